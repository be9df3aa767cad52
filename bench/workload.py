"""Valid registrations for the benchmarks that POST activities: bodies, organizer units, their tokens.

``POST /api/v1/activities`` takes a complete body (``harness.factories.activity_body``) with the bearer
token of an organizer unit, inside the registration window of a configured campaign. Before the
registration process starts, :func:`prepare_database` writes that campaign and a first organizer
into its database (``harness.factories.prepare_registration``); once it serves, :func:`sign_up_organizers`
adds more units through the API itself (``POST /api/v1/units``, then ``POST /api/v1/auth/token``).
:func:`activity_bodies` varies what a real week of submissions varies: names, regions across all 31
provinces, themes, audiences, format, days, contacts and science workers. Nothing here is timed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from harness.factories import PASSWORD, activity_body, prepare_registration
from services.registration.settings import RegistrationSettings

# One district of each province-level division (all in the packaged GB/T 2260 data).
REGIONS = (
    "110101", "120101", "130102", "140105", "150102", "210102", "220102", "230103", "310104", "320102", "330106",
    "340102", "350102", "360102", "370102", "410102", "420102", "430102", "440106", "450102", "460105", "500101",
    "510107", "520102", "530102", "540102", "610502", "620102", "630102", "640104", "650102",
)  # fmt: skip
TITLES = (
    "食品安全进社区科普讲座",
    "走进科技馆",
    "青少年航天科普展",
    "乡村振兴农技培训",
    "卫生健康义诊与科普",
    "科学家进校园",
)
# the choices of harness.factories.open_campaign
THEMES = ("乡村振兴", "卫生健康", "食品安全")
GROUPS = ("公众", "青少年", "老年人")
FORMATS = ("offline", "online", "both")
ORGANISATION = "渭南市科学技术协会"


def activity_body_at(i: int) -> dict[str, Any]:
    """The ``i``-th of a varied series of valid registrations for the open campaign of the factories."""
    workers = [
        {"name": f"科普员{k}号", "phone": f"139{i % 10_000:04d}{k:04d}", "organisation": ORGANISATION}
        for k in range(1 + i % 3)
    ]
    return activity_body(
        starts_in=timedelta(days=21 + i % 4, hours=i % 9),
        name=f"{TITLES[i % len(TITLES)]} 第{i}场",
        region_code=REGIONS[i % len(REGIONS)],
        themes=[THEMES[i % 3], THEMES[(i + 1) % 3]][: 1 + i % 2],
        target_groups=[GROUPS[i % 3]],
        format=FORMATS[i % 3],
        expected_participants=50 + i % 500,
        key_activity=i % 10 == 0,
        contact_phone=f"138{i:08d}",
        science_workers=workers,
    )


def activity_bodies(count: int) -> list[bytes]:
    """``count`` different valid bodies, encoded as compact JSON (UTF-8, one line each)."""
    return [json.dumps(activity_body_at(i), ensure_ascii=False, separators=(",", ":")).encode() for i in range(count)]


# ``prepare_database`` as another tree runs it (``Tree.run``, bench/baseline.py): the settings from the
# environment, the first organizer's token printed
PREPARE = (
    "import asyncio\n"
    "from bench.workload import prepare_database\n"
    "from services.registration.settings import RegistrationSettings\n"
    "print(asyncio.run(prepare_database(RegistrationSettings())))\n"
)


async def prepare_database(settings: RegistrationSettings) -> str:
    """Migrate ``settings``' database and write the open campaign and one organizer; its bearer token.

    Run it before the registration process starts on the same settings (it shares the signing key).
    """
    headers = await prepare_registration(settings)
    return headers["Authorization"].removeprefix("Bearer ")


def sign_up_organizers(base_url: str, count: int) -> list[str]:
    """Sign ``count`` more organizer units up through the running API and log each in; their tokens."""
    tokens = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for k in range(count):
            phone = f"1370001{k:04d}"  # 137 0000 0001 is prepare_registration's
            unit = {
                "name": f"基准测试科普单位{k}",
                "unit_type": "society",
                "region_code": REGIONS[k % len(REGIONS)],
                "contact_name": "王建国",
                "contact_phone": phone,
                "password": PASSWORD,
            }
            # one address per unit, as organizers have: sign-ups are limited per client address
            forwarded = {"X-Forwarded-For": f"100.64.{k // 256 % 256}.{k % 256}"}
            client.post("/api/v1/units", json=unit, headers=forwarded).raise_for_status()
            answer = client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD}, headers=forwarded)
            answer.raise_for_status()
            tokens.append(str(answer.json()["access_token"]))
    return tokens
