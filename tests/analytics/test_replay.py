"""``kepuri replay analytics``: the views rebuilt beside the live ones and swapped in, losing and doubling nothing.

Every comparison covers every view table analytics has (``view_tables()``: its metadata less the
backbone's), against a recount: a fresh database built from the whole log by the projections'
``ConsumerRuntime``, as a live consumer starting from nothing would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.analytics.adapters.tables import metadata
from services.analytics.bootstrap import MIGRATIONS, build, create_app
from services.analytics.replay import ReplayRefused, replay_analytics, view_tables
from services.analytics.settings import AnalyticsSettings
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime
from shared.runtime import Backbone
from shared.store import BackboneTables, Recorder, create_engine
from shared.store.migrations import migrate
from tests.factories import activity_registered, activity_withdrawn, message

REPO = Path(__file__).resolve().parents[2]
Snapshot = dict[str, list[tuple[object, ...]]]


def settings_for(root: Path) -> AnalyticsSettings:
    return AnalyticsSettings(data_dir=root, bus_url=f"embedded:{root / 'bus.db'}", environment="test")


async def publish(root: Path, count: int, *, withdraw_every: int = 10) -> int:
    """Register ``count`` activities in several provinces, withdraw every ``withdraw_every``-th; the net count."""
    envelopes = [activity_registered(region_code=f"{(11, 31, 44, 51, 61)[i % 5]}0{i % 9 + 1}02") for i in range(count)]
    withdrawn = [activity_withdrawn(e.subject) for e in envelopes[::withdraw_every]]
    async with EmbeddedLog(root / "bus.db", synchronous="NORMAL") as log:
        await log.publish([message(e) for e in [*envelopes, *withdrawn]])
    return count - len(withdrawn)


def snapshot(database: Path) -> Snapshot:
    """Every row of every view table, sorted."""
    db = sqlite3.connect(database)
    try:
        result = {}
        for table in view_tables():
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            result[table.name] = sorted(db.execute(f'SELECT {columns} FROM "{table.name}"').fetchall(), key=repr)
        return result
    finally:
        db.close()


def overview_total(database: Path) -> int:
    db = sqlite3.connect(database)
    try:
        return int(db.execute("SELECT COALESCE(SUM(activities), 0) FROM overview_provinces").fetchone()[0])
    finally:
        db.close()


def end_offsets(root: Path) -> dict[tuple[str, int], int]:
    db = sqlite3.connect(root / "bus.db")
    try:
        rows = db.execute('SELECT topic, partition, MAX("offset") FROM records GROUP BY topic, partition')
        return {(topic, partition): offset for topic, partition, offset in rows}
    finally:
        db.close()


def caught_up(root: Path, settings: AnalyticsSettings) -> bool:
    """Whether every live consumer's tracking has reached the end of each of its partitions."""
    ends = end_offsets(root)
    db = sqlite3.connect(root / "analytics.db")
    try:
        tracked = {
            (c, t, p): o for c, t, p, o in db.execute('SELECT consumer, topic, partition, "offset" FROM tracking')
        }
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()
    for consumer in build(settings).backbone.consumers:
        for (topic, partition), end in ends.items():
            if topic in consumer.projection.topics and tracked.get((consumer.group, topic, partition), -1) < end:
                return False
    return True


async def wait_caught_up(root: Path, settings: AnalyticsSettings, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not caught_up(root, settings):
        assert time.monotonic() < deadline, "the live consumers did not reach the end of the log"
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def live_service(settings: AnalyticsSettings) -> AsyncIterator[Backbone]:
    """Analytics' backbone with its live consumers, as the running service has it."""
    backbone = build(settings).backbone
    await backbone.start()
    try:
        yield backbone
    finally:
        await backbone.stop()


async def recount(root: Path, settings: AnalyticsSettings) -> Snapshot:
    """The views built from nothing by each projection's ConsumerRuntime over the whole log."""
    database = root / "recount.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await migrate(engine, MIGRATIONS)
    recorder = Recorder(BackboneTables(metadata))
    try:
        async with EmbeddedLog(root / "bus.db") as log:
            for consumer in build(settings).backbone.consumers:
                runtime = ConsumerRuntime(engine, recorder, log, consumer.projection)
                async with log.subscribe(f"recount.{consumer.group}", consumer.projection.topics) as subscription:
                    while any((await subscription.lag()).values()):
                        records = await subscription.poll(2000, 100)
                        if records:
                            await runtime.process(records)
    finally:
        await engine.dispose()
    return snapshot(database)


async def test_on_a_quiet_stream_the_views_after_the_replay_equal_the_views_before(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    net = await publish(tmp_path, 1500)
    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
    before = snapshot(tmp_path / "analytics.db")
    assert overview_total(tmp_path / "analytics.db") == net

    outcome = await replay_analytics(settings, quiet=True, batch_size=400)

    assert snapshot(tmp_path / "analytics.db") == before
    assert outcome.total == outcome.events == 1500 + 150
    assert outcome.rows["overview_activities"] == 1500
    assert not [n for n in os.listdir(tmp_path) if ".replay.db" in n], "the shadow database is removed"


async def test_events_published_during_the_replay_are_counted_exactly_once(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    net = await publish(tmp_path, 2000)
    stop = asyncio.Event()

    async def keep_publishing() -> int:
        published = 0
        while not stop.is_set():
            published += await publish(tmp_path, 40, withdraw_every=4)
            await asyncio.sleep(0.01)
        return published

    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
        publisher = asyncio.create_task(keep_publishing())
        await asyncio.sleep(0.3)  # the live consumers are busy when the replay starts
        outcome = await replay_analytics(settings, quiet=True, batch_size=300)
        await asyncio.sleep(0.3)  # and after the swap
        stop.set()
        net += await publisher
        await wait_caught_up(tmp_path, settings)

    assert outcome.events > outcome.total, "records published during the replay were caught up before the swap"
    assert overview_total(tmp_path / "analytics.db") == net
    assert snapshot(tmp_path / "analytics.db") == await recount(tmp_path, settings)


async def test_a_replay_while_the_service_is_stopped_runs_ahead_of_it_and_the_service_resumes_after_it(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    net = await publish(tmp_path, 800)
    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
    net += await publish(tmp_path, 700)  # the stopped service has not seen these

    await replay_analytics(settings, quiet=True, batch_size=250)

    assert overview_total(tmp_path / "analytics.db") == net
    assert caught_up(tmp_path, settings), "the live tracking moved up to what the swapped views contain"
    async with live_service(settings):
        net += await publish(tmp_path, 300)
        await wait_caught_up(tmp_path, settings)
    assert overview_total(tmp_path / "analytics.db") == net
    assert snapshot(tmp_path / "analytics.db") == await recount(tmp_path, settings)


async def test_the_api_answers_from_the_old_views_until_the_swap_and_then_from_the_new(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    net = await publish(tmp_path, 1500)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            await wait_caught_up(tmp_path, settings)
            # a damaged view, so that the old and the new answers differ
            db = sqlite3.connect(tmp_path / "analytics.db", timeout=30)
            with db:
                damaged = db.execute("UPDATE overview_provinces SET activities = activities + 1000").rowcount
            db.close()
            old = net + 1000 * damaged
            replay = asyncio.create_task(replay_analytics(settings, quiet=True, batch_size=200))
            answers = []
            while not replay.done():
                response = await client.get("/api/v1/stats/overview")
                assert response.status_code == 200, response.text
                answers.append(response.json()["total"])
                await asyncio.sleep(0.002)
            await replay
            answers.append((await client.get("/api/v1/stats/overview")).json()["total"])

    assert set(answers) <= {old, net}, "never an empty or half-filled view"
    assert answers[0] == old and answers[-1] == net
    switched = answers.index(net)
    assert switched > 3, "the old views answered while the replay ran"
    assert all(a == net for a in answers[switched:]), "once swapped, never the old views again"


def test_the_command_shows_progress_on_stderr_and_a_summary(tmp_path: Path) -> None:
    asyncio.run(publish(tmp_path, 1000))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli",
            "replay",
            "analytics",
            "--data-dir",
            str(tmp_path),
            "--batch-size",
            "200",
        ],
        cwd=REPO,
        env={**env, "KEPURI_ENVIRONMENT": "test"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "replay analytics" in result.stderr
    assert "100%" in result.stderr and "1.10k/1.10k" in result.stderr
    assert "events/s" in result.stderr
    assert "1,100 events replayed" in result.stdout
    assert overview_total(tmp_path / "analytics.db") == 900


async def test_postgresql_is_refused_with_a_clear_message_and_nothing_is_touched(tmp_path: Path) -> None:
    settings = AnalyticsSettings(
        data_dir=tmp_path, database_url="postgresql+asyncpg://kepuri@127.0.0.1:1/analytics", environment="test"
    )
    with pytest.raises(ReplayRefused, match="PostgreSQL"):
        await replay_analytics(settings, quiet=True)
    assert not os.listdir(tmp_path)
