"""The api role commits outbox rows that the background role's relay publishes: with the relay in another
process nothing wakes it at commit, so it must find the rows by itself, promptly (it polls the outbox
every ``idle_interval``, 50 ms, when idle). Each backbone here has its own engine, as two processes do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.registration.adapters.tables import metadata
from services.registration.bootstrap import MIGRATIONS
from services.registration.settings import RegistrationSettings
from shared.bus import Record
from shared.bus.embedded import EmbeddedLog
from shared.runtime import Backbone
from tests.contract.store_support import TOPIC, appending, new_id

BOUND_S = 30.0  # a bound on waiting, so a relay that never looks fails the test instead of hanging it


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
async def roles(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Backbone, Backbone]]:
    """An api-role and a background-role backbone of one service, started, on one database and one log."""
    options = {"data_dir": tmp_path, "database_url": database_url, "bus_url": f"embedded:{tmp_path / 'bus.db'}"}
    api, background = (
        Backbone(RegistrationSettings(**options, role=role), metadata, MIGRATIONS)  # type: ignore[arg-type]
        for role in ("api", "background")
    )
    await api.start()
    await background.start()
    try:
        async with asyncio.timeout(BOUND_S):
            await background.bus_ready.wait()
        yield api, background
    finally:
        await api.stop()
        await background.stop()


async def first_record(log: EmbeddedLog, subject: str) -> Record:
    async with log.subscribe(f"reader-{new_id()}", [TOPIC]) as subscription:
        async with asyncio.timeout(BOUND_S):
            while True:
                for record in await subscription.poll(timeout_ms=10):
                    if record.key == subject.encode():
                        return record


async def test_an_event_committed_by_the_api_role_reaches_the_bus_through_the_background_role(
    roles: tuple[Backbone, Backbone], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api, background = roles
    assert not api.runs_background and api._tasks == []  # the api role has no relay of its own
    log = EmbeddedLog(tmp_path / "bus.db")
    await log.start()
    try:
        delays = []
        for _ in range(5):
            aggregate = new_id()
            committed = time.perf_counter()
            await api.writer.submit(appending(aggregate, 0))
            await first_record(log, aggregate)
            delays.append(time.perf_counter() - committed)
    finally:
        await log.stop()
    with capsys.disabled():  # measured, not asserted: the relay's poll interval bounds it when idle
        print(f"\ncommit to bus across roles: {', '.join(f'{d * 1000:.0f} ms' for d in delays)}")
    assert await background.relay.backlog() == 0
