"""Spreadsheet formula injection (issue 17) against the services as OS processes: a self-registered unit
and its activity named like formulas travel the streams to review and analytics; then every export of
every service (registration's 附件1 export and import report, review's forms and list, analytics' tables
as CSV and XLSX) is fetched over HTTP and opened: no formula anywhere, each name shown as typed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from harness.factories import PASSWORD, activity_body, open_campaign
from harness.processes import ServiceProcess
from services.analytics.exports.catalog import TABLES
from services.registration.bootstrap import MIGRATIONS, build
from services.registration.settings import RegistrationSettings
from shared.store.migrations import migrate
from tests.e2e.test_review_chain import WEINAN_CHAIN, until
from tests.fixtures.spreadsheets import HOSTILE, csv_values, read_back, xlsx_values
from tests.registration.test_sheets import good_row
from tests.registration.test_sheets_formulas import text_workbook

CAMPAIGN = "2026-weinan"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = {
    "admin": ("admin", None, None),
    "county": ("reviewer", "county", "610502"),
    "city": ("reviewer", "city", "6105"),
}
UNIT_NAME, ACTIVITY_NAME, CONTACT, OPINION = HOSTILE[0], HOSTILE[1], HOSTILE[2][:20], HOSTILE[3]


@dataclass
class Platform:
    registration: httpx.AsyncClient
    review: httpx.AsyncClient
    analytics: httpx.AsyncClient
    tokens: dict[str, dict[str, str]]


async def prepare(tmp_path: Path) -> None:
    """Registration's database before it starts: the campaign (a county → city chain) and staff."""
    registration = build(RegistrationSettings(data_dir=tmp_path, environment="test"))
    await migrate(registration.backbone.engine, MIGRATIONS)
    await registration.backbone.writer.start()
    try:
        campaign = replace(open_campaign(CAMPAIGN, auto_approve=False), settings={"recommendation": WEINAN_CHAIN})
        await registration.campaigns.configure(campaign, 0)
        for login, (role, level, jurisdiction) in STAFF.items():
            await registration.accounts.create_staff(login, PASSWORD, role, level, jurisdiction)  # type: ignore[arg-type]
    finally:
        await registration.backbone.writer.stop()
        await registration.backbone.engine.dispose()


@contextlib.contextmanager
def processes(tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    bus = f"embedded:{tmp_path / 'bus.db'}"
    registration = ServiceProcess("registration", tmp_path, bus)
    jwks = f"{registration.url}/api/v1/auth/jwks.json"
    review = ServiceProcess("review", tmp_path, bus, review_jwks_url=jwks)
    analytics = ServiceProcess("analytics", tmp_path, bus, analytics_jwks_url=jwks)
    started: list[ServiceProcess] = []
    try:
        for process in (registration, review, analytics):
            process.start()
            started.append(process)
        yield started
    finally:
        for process in started:
            with contextlib.suppress(Exception):
                process.stop()


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    await prepare(tmp_path)
    with processes(tmp_path) as (registration, review, analytics):
        async with (
            httpx.AsyncClient(base_url=registration.url, timeout=30) as r,
            httpx.AsyncClient(base_url=review.url, timeout=30) as v,
            httpx.AsyncClient(base_url=analytics.url, timeout=30) as a,
        ):
            tokens = {}
            for login in STAFF:
                answer = await r.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
                assert answer.status_code == 200, answer.text
                tokens[login] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            yield Platform(r, v, a, tokens)


async def hostile_unit_and_activity(platform: Platform) -> tuple[dict[str, str], str, str]:
    """A unit signs itself up under a formula-like name and registers a held, info-completed activity."""
    phone = "13912340001"
    unit = {"name": UNIT_NAME, "unit_type": "school", "region_code": "610502", "contact_name": CONTACT}
    signed = await platform.registration.post(
        "/api/v1/units", json={**unit, "contact_phone": phone, "password": PASSWORD}
    )
    assert signed.status_code == 202, signed.text
    login = await platform.registration.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
    token = login.json()["access_token"]
    organizer = {"Authorization": f"Bearer {token}"}
    unit_id: str = jwt.decode(token, options={"verify_signature": False})["unit"]  # sign-up answers no ids
    body = activity_body(
        CAMPAIGN, starts_in=timedelta(minutes=-30), name=ACTIVITY_NAME, organizer=UNIT_NAME, contact_name=CONTACT
    )
    created = await platform.registration.post("/api/v1/activities", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    activity_id: str = created.json()["id"]
    info = {"actual_participants": 180, "summary": OPINION, "photo_urls": ["https://img.example.cn/1.jpg"]}
    completed = await platform.registration.put(
        f"/api/v1/activities/{activity_id}/info", json=info, headers={**organizer, "If-Match": '"1"'}
    )
    assert completed.status_code == 200, completed.text
    return organizer, unit_id, activity_id


async def recommended(platform: Platform, unit_id: str, activity_id: str) -> None:
    """The county approves the activity and recommends it and the unit with formula-like forms."""
    county = platform.tokens["county"]

    async def queued() -> bool:
        answer = await platform.review.get("/api/v1/review/queue", params={"campaign": CAMPAIGN}, headers=county)
        return answer.status_code == 200 and any(i["activity_id"] == activity_id for i in answer.json()["items"])

    await until(queued)
    approved = await platform.review.post(f"/api/v1/review/activities/{activity_id}/approve", json={}, headers=county)
    assert approved.status_code == 200, approved.text
    form = {"campaign_id": CAMPAIGN, "activity_id": activity_id, "reason": OPINION, "main_content": OPINION}
    form |= {"contact_name": CONTACT, "contact_phone": "13812345678", "opinion": OPINION}

    async def sent() -> dict[str, Any] | None:  # once review has seen the info completion
        answer = await platform.review.post("/api/v1/recommendations", json=form, headers=county)
        return answer.json() if answer.status_code == 201 else None

    await until(sent)
    unit_form = {"campaign_id": CAMPAIGN, "unit_id": unit_id, "unit_level": "县级", "staff_count": 86}
    unit_form |= {"contact_name": CONTACT, "contact_phone": "13812345679", "deeds": OPINION, "opinion": OPINION}
    answer = await platform.review.post("/api/v1/recommendations/units", json=unit_form, headers=county)
    assert answer.status_code == 201, answer.text


async def test_no_export_of_any_service_holds_a_formula(platform: Platform) -> None:
    organizer, unit_id, activity_id = await hostile_unit_and_activity(platform)
    await recommended(platform, unit_id, activity_id)
    admin = platform.tokens["admin"]
    names = {read_back(n) for n in (UNIT_NAME, ACTIVITY_NAME, CONTACT, OPINION)}
    seen: set[object] = set()

    for who in (organizer, admin):  # registration: the 附件1 export (in clear, and masked)
        answer = await platform.registration.get(
            "/api/v1/activities/export.xlsx", params={"campaign_id": CAMPAIGN}, headers=who
        )
        assert answer.status_code == 200, answer.text
        seen.update(xlsx_values(answer.content))
    refused = good_row(2, 项目名称=UNIT_NAME, 行政区划代码="=619999")
    report = await platform.registration.post(
        "/api/v1/activities/import",
        params={"campaign_id": CAMPAIGN, "format": "xlsx"},
        content=text_workbook([good_row(1, 项目名称=ACTIVITY_NAME, 负责人=CONTACT, 备注=OPINION), refused], []),
        headers={**organizer, "Content-Type": XLSX},
    )
    assert report.status_code == 200, report.text
    assert {*names, "=619999"} <= set(xlsx_values(report.content))  # the report echoes the text as text

    for kind, form in ((None, "list"), ("activity", "附件3"), ("unit", "附件2"), ("activity", None), ("unit", None)):
        params = {
            "campaign": CAMPAIGN,
            "box": "all",
            **({"kind": kind} if kind else {}),
            **({"form": form} if form else {}),
        }
        answer = await platform.review.get("/api/v1/exports/recommendations.xlsx", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        seen.update(xlsx_values(answer.content))

    async def in_analytics() -> bool:
        answer = await platform.analytics.get(
            "/api/v1/exports/activities.csv", params={"campaign": CAMPAIGN}, headers=admin
        )
        return answer.status_code == 200 and ACTIVITY_NAME in csv_values(answer.content)

    await until(in_analytics)
    for table in TABLES:
        for suffix in ("csv", "xlsx"):
            answer = await platform.analytics.get(
                f"/api/v1/exports/{table}.{suffix}", params={"campaign": CAMPAIGN}, headers=admin
            )
            assert answer.status_code == 200, (table, answer.text)
            seen.update(csv_values(answer.content) if suffix == "csv" else xlsx_values(answer.content))
    assert names <= seen, names - seen
