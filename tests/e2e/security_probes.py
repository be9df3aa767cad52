"""The platform the security probes (``test_security_probes.py``) attack: one ``kepuri up`` started as an
OS process on free ports, seeded with ``kepuri seed`` and staffed with ``kepuri staff create``, as an
operator does it; small limits set through its environment, so a probe can pass them in a few calls.

A probe reaches the services from outside, over HTTP, each from client addresses of its own: the
services trust ``X-Forwarded-For`` from loopback (``KEPURI_TRUSTED_PROXIES``), where ``up``'s proxy
runs, so each address below is a different client to them, as on the real platform behind Caddy.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import psutil

from harness.kepuri_up import ROOT, RunningUp
from tests.fixtures.spreadsheets import HOSTILE

SERVICES = ("registration", "review", "notification", "analytics")
CAMPAIGN = "2024-national"  # seeded; its registration closed in 2024, so the admin reopens it (prepared)
STAFF_PASSWORD = "kepuri-probes-staff"
PASSWORD = "kepuri-probes-organizer"
SETTINGS = {
    "KEPURI_API_DOCS": "false",
    "KEPURI_NOTIFICATION_QUIET_HOURS": "",  # thank-yous go out at whatever hour the test runs
    "KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS": "1",
    "KEPURI_REGISTRATION_SIGN_UPS_PER_ADDRESS": "3",
    "KEPURI_REGISTRATION_LOGIN_FAILURES_ALLOWED": "3",
    "KEPURI_REGISTRATION_LOGIN_FAILURES_PER_ADDRESS": "4",
    "KEPURI_ANALYTICS_DASHBOARD_STREAMS_PER_CLIENT": "1",
    # cheap password hashes: the probes sign up and log in a few dozen times (their cost is not probed here)
    "KEPURI_REGISTRATION_PASSWORD_HASH_TIME_COST": "1",
    "KEPURI_REGISTRATION_PASSWORD_HASH_MEMORY_KIB": "8192",
    "KEPURI_REGISTRATION_PASSWORD_HASH_PARALLELISM": "1",
}
STAFF = {  # login: the options of `kepuri staff create`
    "ops": ("--role", "admin"),
    "weinan-city": ("--role", "reviewer", "--level", "city", "--jurisdiction", "6105"),
    "shaanxi": ("--role", "reviewer", "--level", "province", "--jurisdiction", "61"),
}

# The unit the formula, masking and erasure probes share: it signs itself up under formula-like names
# (each of OWASP's leading characters somewhere), and lists a science worker who is later erased.
UNIT_NAME, ACTIVITY_NAME, CONTACT, ADDRESS, DESCRIPTION, UNIT_CONTACT = (
    HOSTILE[0],
    HOSTILE[1],
    HOSTILE[2][:20],
    HOSTILE[3],
    HOSTILE[4],
    HOSTILE[5],
)
ORGANIZER_PHONE = "13912340001"
WORKER_NAME, WORKER_PHONE = "欧阳科普", "13955501234"
KEPT_NAME, KEPT_PHONE = "钱学文", "13700002222"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Platform:
    """The running ``kepuri up``, its data directory, and staff tokens (login: Authorization header)."""

    up: RunningUp
    data_dir: Path
    stop: Callable[[], None]
    staff: dict[str, dict[str, str]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return self.up.url(service)

    @property
    def bus_url(self) -> str:
        return f"embedded:{self.data_dir / 'bus.db'}"

    def pid(self, service: str) -> int:
        """The process id of ``service``: the child of ``up`` that runs ``python -m services.<service>``."""
        assert self.up.process is not None
        for child in psutil.Process(self.up.process.pid).children():
            if child.cmdline()[-2:] == ["-m", f"services.{service}"]:
                return child.pid
        raise AssertionError(f"kepuri up runs no {service} process")

    def resident_bytes(self, service: str) -> int:
        """The service process's resident memory now (VmRSS)."""
        status = Path(f"/proc/{self.pid(service)}/status").read_text()
        [line] = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        return int(line.split()[1]) * 1024

    def cpu_seconds(self, service: str) -> float:
        """The CPU time the service process has used so far (user and system; not wall-clock)."""
        times = psutil.Process(self.pid(service)).cpu_times()
        return float(times.user + times.system)

    def kepuri(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """``kepuri <arguments>`` on the server, in ``up``'s environment (its data directory and settings)."""
        env = {**self.up.env, "KEPURI_STAFF_PASSWORD": STAFF_PASSWORD}
        command = [sys.executable, "-m", "cli", *arguments]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"kepuri {' '.join(arguments)}: {done.stdout}{done.stderr}"
        return done


def prepared(platform: Platform) -> Platform:
    """Seed the campaigns, create the staff and log them in."""
    platform.kepuri("seed")
    for login, options in STAFF.items():
        platform.kepuri("staff", "create", "--login", login, *options)
    with httpx.Client(timeout=30) as client:
        for login in STAFF:
            answer = client.post(
                f"{platform.url('registration')}/api/v1/auth/token", json={"login": login, "password": STAFF_PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            platform.staff[login] = bearer(answer.json()["access_token"])
        reopen_registration(client, platform)
    return platform


def reopen_registration(client: httpx.Client, platform: Platform) -> None:
    """The admin reopens the seeded 2024 campaign's registration (closed on 2024-09-25), so units may
    register its September 2024 activities today (they stay inside its activity period)."""
    url = f"{platform.url('registration')}/api/v1/campaigns/{CAMPAIGN}"
    current = client.get(url)
    assert current.status_code == 200, current.text
    body = {k: v for k, v in current.json().items() if k != "version"} | {"registration": {}}
    headers = {**platform.staff["ops"], "If-Match": current.headers["etag"]}
    changed = client.put(url, json=body, headers=headers)
    assert changed.status_code == 200, changed.text


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def at(address: str) -> dict[str, str]:
    """Headers that make a request come from ``address`` (through the trusted local proxy)."""
    return {"X-Forwarded-For": address}


def unit(phone: str, name: str = "渭南市临渭区实验中学", contact_name: str = "王建国") -> dict[str, str]:
    return {
        "name": name,
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": contact_name,
        "contact_phone": phone,
        "password": PASSWORD,
    }


async def organizer(client: httpx.AsyncClient, platform: Platform, phone: str, address: str, **fields: str) -> str:
    """A unit signs itself up from ``address`` and logs in; its access token."""
    registration = platform.url("registration")
    signed = await client.post(f"{registration}/api/v1/units", json=unit(phone, **fields), headers=at(address))
    assert signed.status_code == 202, signed.text
    login = await client.post(
        f"{registration}/api/v1/auth/token", json={"login": phone, "password": PASSWORD}, headers=at(address)
    )
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


def unit_of(token: str) -> str:
    unit_id: str = jwt.decode(token, options={"verify_signature": False})["unit"]  # sign-up answers no ids
    return unit_id


def activity(**changes: Any) -> dict[str, Any]:
    """An activity of the 2024 campaign (its lists), held in September 2024: info completion, feedback
    and thank-yous are open for it."""
    body: dict[str, Any] = {
        "campaign_id": CAMPAIGN,
        "name": "走进科技馆",
        "organizer": "渭南市科技馆",
        "category": "重点活动",
        "joint_action": "科普阵地联合行动",
        "themes": ["人工智能"],
        "target_groups": ["社会公众"],
        "region_code": "610502",
        "address": "渭南市临渭区朝阳大街1号",
        "starts_at": "2024-09-16T09:00:00+08:00",
        "ends_at": "2024-09-16T11:00:00+08:00",
        "contact_name": "王建国",
        "contact_phone": "13812345678",
    }
    return body | changes


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of ``answer``, after checking its status and media type."""
    assert answer.status_code == status, f"{answer.request.url}: {answer.status_code} {answer.text[:300]}"
    assert answer.headers["content-type"] == "application/problem+json", answer.headers["content-type"]
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body


def throttled(answer: httpx.Response) -> None:
    problem(answer, 429)
    assert int(answer.headers["retry-after"]) > 0


async def until(check: Callable[[], Awaitable[object]], timeout: float = 60) -> Any:
    """Poll ``check`` until it gives something truthy (the events travel the log between services)."""
    async with asyncio.timeout(timeout):
        while not (found := await check()):
            await asyncio.sleep(0.2)
        return found


@dataclass
class Held:
    """The hostile unit's activity: registered, approved by the city, held, its information complete."""

    organizer: dict[str, str]
    unit_id: str
    activity_id: str
    stored: dict[str, Any]  # the activity as registration answers it


async def held_activity(platform: Platform) -> Held:
    async with httpx.AsyncClient(timeout=30) as client:
        registration, review = platform.url("registration"), platform.url("review")
        token = await organizer(
            client, platform, ORGANIZER_PHONE, "192.0.2.10", name=UNIT_NAME, contact_name=UNIT_CONTACT
        )
        me = bearer(token)
        workers = [
            {"name": WORKER_NAME, "phone": WORKER_PHONE, "organisation": "西北大学"},
            {"name": KEPT_NAME, "phone": KEPT_PHONE},
        ]
        body = activity(
            name=ACTIVITY_NAME,
            organizer=UNIT_NAME,
            address=ADDRESS,
            contact_name=CONTACT,
            description=DESCRIPTION,
            science_workers=workers,
        )
        created = await client.post(f"{registration}/api/v1/activities", json=body, headers=me)
        assert created.status_code == 201, created.text
        activity_id: str = created.json()["id"]

        city = platform.staff["weinan-city"]

        async def queued() -> bool:
            queue = await client.get(f"{review}/api/v1/review/queue", params={"campaign_id": CAMPAIGN}, headers=city)
            return queue.status_code == 200 and any(i["activity_id"] == activity_id for i in queue.json()["items"])

        await until(queued)
        approved = await client.post(f"{review}/api/v1/review/activities/{activity_id}/approve", json={}, headers=city)
        assert approved.status_code == 200, approved.text
        info = {"photo_urls": ["https://img.example.cn/1.jpg"], "actual_participants": 120, "summary": "圆满完成"}
        completed = await client.put(
            f"{registration}/api/v1/activities/{activity_id}/info", json=info, headers={**me, "If-Match": '"1"'}
        )
        assert completed.status_code == 200, completed.text
        return Held(me, unit_of(token), activity_id, completed.json())
