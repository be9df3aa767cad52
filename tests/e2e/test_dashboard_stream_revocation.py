"""An open operations-dashboard stream ends once its account is disabled, with registration and
analytics as OS processes (started as ``kepuri up`` would): the reviewer's token was checked when the
stream opened; disabling the account through registration's API revokes it, analytics learns of it
from registration's published key set within ``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS`` and ends the
stream with an ``end`` event; connecting again is 401. Registration's key set answers say their age."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from harness.factories import CAMPAIGN, prepare_registration
from harness.processes import ServiceProcess
from services.registration.settings import RegistrationSettings
from tests.e2e.test_operations_access import create_staff, login
from tests.fixtures.processes import sqlite_url

STREAM = "/api/v1/stats/dashboard/stream"
REFRESH = {"token_revocation_refresh_seconds": "1"}


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[tuple[ServiceProcess, ServiceProcess]]:
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    database = sqlite_url(tmp_path, "registration")
    await prepare_registration(RegistrationSettings(data_dir=tmp_path, database_url=database))
    create_staff(tmp_path, bus_url, "admin", "ops-admin")
    create_staff(tmp_path, bus_url, "reviewer", "weinan-city", "--level", "city", "--jurisdiction", "6105")
    registration = ServiceProcess("registration", tmp_path, bus_url, registration_database_url=database, **REFRESH)
    analytics = ServiceProcess("analytics", tmp_path, bus_url, **REFRESH)
    analytics.env["KEPURI_ANALYTICS_JWKS_URL"] = f"{registration.url}/api/v1/auth/jwks.json"
    try:
        registration.start()
        analytics.start()
        yield registration, analytics
    finally:
        for process in (analytics, registration):
            with contextlib.suppress(Exception):
                process.stop()


async def test_a_stream_of_a_disabled_account_ends(services: tuple[ServiceProcess, ServiceProcess]) -> None:
    registration_process, analytics_process = services
    async with (
        httpx.AsyncClient(base_url=registration_process.url, timeout=30) as registration,
        httpx.AsyncClient(base_url=analytics_process.url, timeout=30) as analytics,
    ):
        admin, reviewer = await login(registration, "ops-admin"), await login(registration, "weinan-city")
        params = {"campaign": CAMPAIGN}
        async with asyncio.timeout(30):  # the campaign reaches analytics through the log
            while (await analytics.get("/api/v1/stats/dashboard", params=params, headers=admin)).status_code != 200:
                await asyncio.sleep(0.1)
        key_set = await registration.get("/api/v1/auth/jwks.json")
        assert key_set.status_code == 200 and key_set.headers["age"].isdigit()

        async with analytics.stream("GET", STREAM, params=params, headers=reviewer) as stream:
            assert stream.status_code == 200
            lines = stream.aiter_lines()
            while not (await anext(lines)).startswith("data: "):
                pass
            account = await registration.get("/api/v1/accounts", params={"login": "weinan-city"}, headers=admin)
            disabled = await registration.post(
                f"/api/v1/accounts/{account.json()['account_id']}/disable", headers=admin
            )
            assert disabled.status_code == 204, disabled.text
            rest = []
            async with asyncio.timeout(30):  # a stream that outlives the revocation fails here
                async for line in lines:
                    rest.append(line)
        ended = rest.index("event: end")
        assert "revoked" in json.loads(rest[ended + 1].removeprefix("data: "))["reason"]
        again = await analytics.get(STREAM, params=params, headers=reviewer)
        assert again.status_code == 401 and again.headers["content-type"] == "application/problem+json"
