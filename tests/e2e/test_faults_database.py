"""Fault 4: PostgreSQL stops for some seconds under running services and comes back.

Registration and analytics run as OS processes, each on its own PostgreSQL database of one server.
While the server is down, requests that need the database are answered 503 problem+json with
Retry-After (never 500), readiness says the database is down, and the consumers wait; afterwards
every request works again, and every registration answered 201 (before, during or after) is in the
store, counted once in analytics and listed in the directory.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.postgres import EmbeddedPostgres, create_database
from tests.fixtures.faults import resume_postgres, stop_postgres
from tests.fixtures.invariants import CAMPAIGN, analytics_totals, assert_everything_accepted_is_everywhere
from tests.fixtures.processes import Pair, running_pair

OUTAGE_S = 5.0


@pytest.fixture
def own_postgres() -> Iterator[EmbeddedPostgres]:
    """A server of this test's own: stopping it must not disturb the session's server."""
    server = EmbeddedPostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


def _problem(response: httpx.Response) -> None:
    assert response.status_code in (200, 201, 503), response.text
    if response.status_code == 503:
        assert response.headers["content-type"] == "application/problem+json"


async def _during_the_outage(pair: Pair) -> int:
    """Registrations, directory and statistics reads while the database is down; returns how many were 503."""
    refused = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OUTAGE_S
    while loop.time() < deadline:
        for response in await pair.register(3):
            _problem(response)
            if response.status_code == 503:
                assert response.headers["Retry-After"]
                refused += 1
        _problem(await pair.r.get("/api/v1/directory/activities", params={"campaign": CAMPAIGN}))
        _problem(await pair.a.get("/api/v1/stats/activities", params={"campaign": CAMPAIGN, "by": "city"}))
        for client in (pair.r, pair.a):
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok", ready.text
        await asyncio.sleep(0.3)
    return refused


async def test_a_database_outage_is_503_and_nothing_accepted_is_lost(
    tmp_path: Path, own_postgres: EmbeddedPostgres
) -> None:
    urls = {
        s: await create_database(own_postgres, f"{s}_{uuid.uuid4().hex[:8]}") for s in ("registration", "analytics")
    }
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    async with running_pair(
        tmp_path, bus_url, registration_db=urls["registration"], analytics_db=urls["analytics"]
    ) as pair:
        assert {r.status_code for r in await pair.register(20)} == {201}
        async with asyncio.timeout(60):
            while await analytics_totals(pair.a) != (20, 20):
                await asyncio.sleep(0.1)
        # in the outbox and on their way while the database goes: the relay and consumers must wait, not die
        assert {r.status_code for r in await pair.register(20)} == {201}

        stop_postgres(own_postgres)
        try:
            refused = await _during_the_outage(pair)
        finally:
            resume_postgres(own_postgres)
        assert refused > 0, "the outage was not seen"

        async with asyncio.timeout(60):  # the pools reconnect
            while (await pair.r.get("/readyz")).status_code != 200 or (await pair.a.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.2)
        assert {r.status_code for r in await pair.register(20)} == {201}
        await assert_everything_accepted_is_everywhere(
            pair.answers.accepted,
            registration=pair.r,
            analytics=pair.a,
            registration_db=pair.registration_db,
            analytics_db=pair.analytics_db,
        )
        assert pair.answers.server_errors() == {503}
        assert pair.answers.statuses[201] == len(pair.answers.accepted) >= 60
