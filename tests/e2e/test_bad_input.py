"""Invalid input answers 422 problem+json naming the field, and writes nothing; out-of-range dates too,
in every service run as OS processes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from harness.factories import CAMPAIGN, PASSWORD, activity_body, prepare_registration
from harness.processes import ServiceProcess
from services.registration.adapters.tables import metadata
from services.registration.bootstrap import build
from services.registration.settings import RegistrationSettings
from shared.web.cursor import encode_cursor
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import activity
from tests.registration.test_campaigns import body as campaign_body
from tests.registration.test_sheets import XLSX, good_row, workbook

CASES = [
    ({**activity("610502"), "region_code": "99"}, "region_code"),
    ({**activity("610502"), "region_code": "6105021"}, "region_code"),
    ({**activity("610502"), "region_code": "619999"}, "region_code"),  # well formed, but no such county
    ({**activity("610502"), "name": "x"}, "name"),
    ({**activity("610502"), "name": "长" * 101}, "name"),
    ({k: v for k, v in activity("610502").items() if k != "organizer"}, "organizer"),
    ({**activity("610502"), "starts_at": "2026-09-15T09:00:00"}, "starts_at"),  # no time zone
    ({**activity("610502"), "ends_at": "not a time"}, "ends_at"),
    ({**activity("610502"), "ends_at": activity("610502", starts_in=timedelta(days=-1))["ends_at"]}, "ends_at"),
    ({**activity("610502"), "format": "hybrid"}, "format"),
    ({**activity("610502"), "surprise": 1}, "surprise"),
]


@pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)
@pytest.mark.parametrize(("body", "field"), CASES, ids=[f for _, f in CASES])
async def test_invalid_activity_is_422_naming_the_field(
    platform: Platform, body: dict[str, object], field: str
) -> None:
    before = await _counts(platform)
    response = await platform.registration.post("/api/v1/activities", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"]
    assert field in {e["field"] for e in problem["errors"]}
    assert field in problem["detail"] or problem["errors"][0]["message"] in problem["detail"]
    assert await _counts(platform) == before


async def _counts(platform: Platform) -> dict[str, int]:
    engine = platform.registration_app.state.container.backbone.engine
    async with engine.connect() as connection:
        return {
            table: int(await connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)
            for table in ("events", "outbox", "idempotency_keys", "activities")
        }


@pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)
async def test_malformed_json_and_bad_headers_are_problems(platform: Platform) -> None:
    response = await platform.registration.post(
        "/api/v1/activities", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    long_key = {"Idempotency-Key": "k" * 300}
    response = await platform.registration.post("/api/v1/activities", json=activity("610502"), headers=long_key)
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    response = await platform.registration.post(
        "/api/v1/activities/abc/withdrawal", json={}, headers={"If-Match": "yesterday"}
    )
    assert response.status_code == 400
    response = await platform.registration.get("/api/v1/activities/nope")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


async def _staff(settings: RegistrationSettings, login: str, role: str, level: str | None = None) -> None:
    """A staff account written to registration's database before its process starts."""
    registration = build(settings)
    await registration.backbone.writer.start()
    try:
        jurisdiction = "6105" if level == "city" else None
        await registration.accounts.create_staff(login, PASSWORD, role, level, jurisdiction)  # type: ignore[arg-type]
    finally:
        await registration.backbone.writer.stop()
        await registration.backbone.engine.dispose()


async def _token(client: httpx.AsyncClient, registration: str, login: str) -> dict[str, str]:
    answer = await client.post(f"{registration}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[dict[str, ServiceProcess]]:
    """Registration, review and analytics as OS processes on one embedded bus, with an organizer
    (``organizer.json``), an admin and a city reviewer made before registration starts."""
    settings = RegistrationSettings(data_dir=tmp_path)
    organizer = await prepare_registration(settings)
    (tmp_path / "organizer.json").write_text(json.dumps(organizer))
    await _staff(settings, "admin-1", "admin")
    await _staff(settings, "reviewer-6105", "reviewer", "city")
    bus = f"embedded:{tmp_path / 'bus.db'}"
    registration = ServiceProcess("registration", tmp_path, bus)
    running = {
        "registration": registration,
        "review": ServiceProcess("review", tmp_path, bus, review_jwks_url=f"{registration.url}/api/v1/auth/jwks.json"),
        "analytics": ServiceProcess("analytics", tmp_path, bus),
    }
    try:
        for process in running.values():
            process.start()
        yield running
    finally:
        for process in running.values():
            with contextlib.suppress(Exception):
                process.stop()


OUT_OF_RANGE_TIMES = [
    ("0001-01-01T00:00:00+08:00", "0001-01-01T02:00:00+08:00"),
    ("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),
]


async def test_out_of_range_dates_are_422_from_every_service_run_as_processes(
    processes: dict[str, ServiceProcess], tmp_path: Path
) -> None:
    """Year 1 and year 9999, where Python's dates overflow, in every date each service accepts: a 422
    naming the field, never a 500, and no process logs an unhandled error."""
    organizer = json.loads((tmp_path / "organizer.json").read_text())
    urls = {name: process.url for name, process in processes.items()}
    async with httpx.AsyncClient(timeout=30) as client:
        r, review, analytics = urls["registration"], urls["review"], urls["analytics"]
        admin, reviewer = await _token(client, r, "admin-1"), await _token(client, r, "reviewer-6105")
        asked: list[tuple[str, httpx.Response]] = []
        for day in ("0001-01-01", "9999-12-31"):
            for name in ("date_from", "date_to"):
                asked.append((name, await client.get(f"{r}/api/v1/directory/activities", params={name: day})))
                params = {"campaign": CAMPAIGN, name: day}
                asked.append((name, await client.get(f"{analytics}/api/v1/stats/activities", params=params)))
                asked.append((name, await client.get(f"{analytics}/api/v1/exports/by-region.csv", params=params)))
            campaign = campaign_body(("info_completion_deadline", day))
            asked.append(
                ("info_completion_deadline", await client.post(f"{r}/api/v1/campaigns", json=campaign, headers=admin))
            )
        for starts, ends in OUT_OF_RANGE_TIMES:
            body = activity_body(starts_at=starts, ends_at=ends)
            asked.append(("starts_at", await client.post(f"{r}/api/v1/activities", json=body, headers=organizer)))
            asked.append(("starts_at", await client.post(f"{r}/api/v1/drafts", json=body, headers=organizer)))
            cursor = {"cursor": encode_cursor(["s", starts, "a1"])}
            asked.append(("cursor", await client.get(f"{r}/api/v1/directory/activities", params=cursor)))
            cursor = {"cursor": encode_cursor([starts, "a1"])}
            asked.append(("cursor", await client.get(f"{review}/api/v1/review/queue", params=cursor, headers=reviewer)))
            cursor = {"campaign": CAMPAIGN, "cursor": encode_cursor(["k", "created_at", starts, "r1"])}
            asked.append(
                ("cursor", await client.get(f"{review}/api/v1/recommendations", params=cursor, headers=reviewer))
            )
        sheet = workbook([good_row(1, 活动时间="9999-12-31")])
        imported = await client.post(
            f"{r}/api/v1/activities/import", params={"campaign_id": CAMPAIGN}, content=sheet,
            headers={**organizer, "Content-Type": XLSX},
        )  # fmt: skip
        assert imported.status_code == 200, imported.text
        assert [(e["column"], imported.json()["rows"][0]["status"]) for e in imported.json()["rows"][0]["errors"]] == [
            ("活动时间", "refused")
        ]

    wrong = [
        (field, answer.request.url, answer.status_code, answer.text[:200])
        for field, answer in asked
        if answer.status_code != 422
        or answer.headers["content-type"] != "application/problem+json"
        or field not in {e["field"] for e in answer.json().get("errors", [])}
    ]
    assert wrong == []
    for process in processes.values():
        assert process.process is not None and process.process.poll() is None, process.output()
        assert "OverflowError" not in process.output() and "unhandled error" not in process.output()
