"""Issue 17 against the services as OS processes: registration (accounts, tokens, the campaign) and
analytics (verifying tokens through registration's published key set), started as ``kepuri up`` would.

Anonymous callers and organizers get nothing of the operations data (the dashboard's snapshot and stream
with the consumer groups' lag, the per-unit scoreboard); staff created with ``kepuri staff create`` and
logged in over HTTP do; a campaign's public statistics stay public; dashboard streams beyond the limit
per client address are refused with 429 problem+json, and a closed stream frees its slot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from harness.factories import CAMPAIGN, PASSWORD, activity_body, prepare_registration
from harness.processes import ServiceProcess
from services.registration.settings import RegistrationSettings
from tests.e2e.processes import create_staff
from tests.fixtures.processes import sqlite_url

STREAM = "/api/v1/stats/dashboard/stream"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[tuple[ServiceProcess, ServiceProcess, dict[str, str]]]:
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    database = sqlite_url(tmp_path, "registration")
    organizer = await prepare_registration(RegistrationSettings(data_dir=tmp_path, database_url=database))
    create_staff(tmp_path, bus_url, "admin", "ops-admin")
    create_staff(tmp_path, bus_url, "reviewer", "weinan-city", "--level", "city", "--jurisdiction", "6105")
    registration = ServiceProcess("registration", tmp_path, bus_url, registration_database_url=database)
    analytics = ServiceProcess(
        "analytics",
        tmp_path,
        bus_url,
        analytics_jwks_url="",  # set below, once registration's port is known
        analytics_dashboard_streams_per_client="1",
    )
    analytics.env["KEPURI_ANALYTICS_JWKS_URL"] = f"{registration.url}/api/v1/auth/jwks.json"
    try:
        registration.start()
        analytics.start()
        yield registration, analytics, organizer
    finally:
        for process in (analytics, registration):
            with contextlib.suppress(Exception):
                process.stop()


async def login(registration: httpx.AsyncClient, name: str) -> dict[str, str]:
    answer = await registration.post("/api/v1/auth/token", json={"login": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def refused(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


async def test_operations_data_answers_staff_only_and_streams_are_bounded(
    services: tuple[ServiceProcess, ServiceProcess, dict[str, str]],
) -> None:
    registration_process, analytics_process, organizer = services
    async with (
        httpx.AsyncClient(base_url=registration_process.url, timeout=30) as registration,
        httpx.AsyncClient(base_url=analytics_process.url, timeout=30) as analytics,
    ):
        created = await registration.post("/api/v1/activities", json=activity_body(), headers=organizer)
        assert created.status_code == 201, created.text
        async with asyncio.timeout(30):  # the campaign and the activity reach analytics through the log
            while (await analytics.get("/api/v1/stats/overview")).json()["total"] != 1:
                await asyncio.sleep(0.1)
        admin, reviewer = await login(registration, "ops-admin"), await login(registration, "weinan-city")
        params = {"campaign": CAMPAIGN}

        for path in ("/api/v1/stats/dashboard", STREAM, "/api/v1/stats/scoreboard"):
            refused(await analytics.get(path, params=params), 401)
            refused(await analytics.get(path, params=params, headers=organizer), 403)
        snapshot = (await analytics.get("/api/v1/stats/dashboard", params=params, headers=admin)).json()
        assert snapshot["counters"]["activities"] == 1 and snapshot["operations"]["groups"]
        board = await analytics.get("/api/v1/stats/scoreboard", params=params, headers=reviewer)
        assert board.status_code == 200 and len(board.json()["rows"]) == 1
        refused(await analytics.get("/api/v1/stats/dashboard", params={"campaign": "no-such"}, headers=admin), 404)
        stats = await analytics.get("/api/v1/stats/activities", params={**params, "by": "province"})
        assert stats.status_code == 200 and stats.json()["totals"]["activities"] == 1  # public by default

        async with analytics.stream("GET", STREAM, params=params, headers=reviewer) as first:
            assert first.status_code == 200
            lines = first.aiter_lines()  # read on without closing it (leaving an `async for` would)
            while not (await anext(lines)).startswith("data: "):
                pass
            second = await analytics.get(STREAM, params=params, headers=admin)
            refused(second, 429)
            assert int(second.headers["retry-after"]) > 0
        async with asyncio.timeout(30):  # the server notices the closed stream and frees its slot
            while True:
                async with analytics.stream("GET", STREAM, params=params, headers=admin) as again:
                    if again.status_code == 200:
                        break
                await asyncio.sleep(0.2)
