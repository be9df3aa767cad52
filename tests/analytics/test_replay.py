"""``kepuri replay analytics``: the views rebuilt beside the live ones and swapped in, losing and doubling nothing.

Every scenario runs on SQLite and on PostgreSQL (the ``database`` fixture; the bus is the embedded
one). Every comparison covers every view table analytics has (``view_tables()``: its metadata less
the backbone's), against a recount: a database built from the whole log by the projections'
``ConsumerRuntime``, as a live consumer starting from nothing would — a file beside the live one on
SQLite, a schema of the live database on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import services.analytics.replay.run as replay_run
from services.analytics.adapters.tables import metadata
from services.analytics.bootstrap import MIGRATIONS, build, create_app
from services.analytics.replay import ReplayError, ReplayRefused, replay_analytics, view_tables
from services.analytics.settings import AnalyticsSettings
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime
from shared.runtime import Backbone
from shared.store import BackboneTables, Recorder, create_engine, in_transaction, reading
from shared.store.migrations import migrate
from tests.analytics.history import history
from tests.factories import activity_registered, activity_withdrawn, message

REPO = Path(__file__).resolve().parents[2]
Snapshot = dict[str, list[tuple[object, ...]]]
SHADOW_SCHEMA = "analytics_replay"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The live analytics database's URL: a SQLite file in ``tmp_path``, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


def settings_for(root: Path, database: str) -> AnalyticsSettings:
    return AnalyticsSettings(
        data_dir=root, database_url=database, bus_url=f"embedded:{root / 'bus.db'}", environment="test"
    )


def is_postgres(settings: AnalyticsSettings) -> bool:
    return make_url(settings.database_url).get_backend_name() == "postgresql"


def schema_engine(url: str, schema: str) -> AsyncEngine:
    """An engine on ``url`` whose connections see ``schema`` alone (PostgreSQL)."""
    return create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})


async def rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async def read(connection: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await connection.execute(text(sql))]

    return await reading(engine, read)


@contextlib.asynccontextmanager
async def opened(settings: AnalyticsSettings) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own on the live database."""
    engine = create_engine(settings.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def publish(root: Path, count: int, *, withdraw_every: int = 10) -> int:
    """Register ``count`` activities in several provinces, withdraw every ``withdraw_every``-th; the net count."""
    envelopes = [activity_registered(region_code=f"{(11, 31, 44, 51, 61)[i % 5]}0{i % 9 + 1}02") for i in range(count)]
    withdrawn = [activity_withdrawn(e.subject) for e in envelopes[::withdraw_every]]
    async with EmbeddedLog(root / "bus.db", synchronous="NORMAL") as log:
        await log.publish([message(e) for e in [*envelopes, *withdrawn]])
    return count - len(withdrawn)


async def snapshot_of(engine: AsyncEngine) -> Snapshot:
    """Every row of every view table, sorted."""
    result = {}
    for table in view_tables():
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        result[table.name] = sorted(await rows(engine, f'SELECT {columns} FROM "{table.name}"'), key=repr)
    return result


async def snapshot(settings: AnalyticsSettings) -> Snapshot:
    async with opened(settings) as engine:
        return await snapshot_of(engine)


async def overview_total(settings: AnalyticsSettings) -> int:
    async with opened(settings) as engine:
        ((total,),) = await rows(engine, "SELECT COALESCE(SUM(activities), 0) FROM overview_provinces")
        return int(total)


async def tracking(settings: AnalyticsSettings) -> dict[tuple[str, str, int], int]:
    async with opened(settings) as engine:
        found = await rows(engine, 'SELECT consumer, topic, partition, "offset" FROM tracking')
        return {(c, t, p): o for c, t, p, o in found}


async def shadow_left(root: Path, settings: AnalyticsSettings) -> list[str]:
    """What is left of the replay's shadow: files beside a SQLite database, the schema in PostgreSQL."""
    left = [n for n in os.listdir(root) if ".replay.db" in n]
    if is_postgres(settings):
        async with opened(settings) as engine:
            query = f"SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{SHADOW_SCHEMA}'"
            left += [name for (name,) in await rows(engine, query)]
    return left


def end_offsets(root: Path) -> dict[tuple[str, int], int]:
    db = sqlite3.connect(root / "bus.db")
    try:
        found = db.execute('SELECT topic, partition, MAX("offset") FROM records GROUP BY topic, partition')
        return {(topic, partition): offset for topic, partition, offset in found}
    finally:
        db.close()


async def caught_up(root: Path, settings: AnalyticsSettings) -> bool:
    """Whether every live consumer's tracking has reached the end of each of its partitions."""
    ends = end_offsets(root)
    try:
        tracked = await tracking(settings)
    except Exception:  # not migrated yet
        return False
    for consumer in build(settings).backbone.consumers:
        for (topic, partition), end in ends.items():
            if topic in consumer.projection.topics and tracked.get((consumer.group, topic, partition), -1) < end:
                return False
    return True


async def wait_caught_up(root: Path, settings: AnalyticsSettings, polls: int = 2400) -> None:
    for _ in range(polls):
        if await caught_up(root, settings):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the live consumers did not reach the end of the log")


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
    if is_postgres(settings):
        await execute(settings, "CREATE SCHEMA recount")
        engine = schema_engine(settings.database_url, "recount")
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{root / 'recount.db'}")
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
        return await snapshot_of(engine)
    finally:
        await engine.dispose()


async def test_on_a_quiet_stream_the_views_after_the_replay_equal_the_views_before(
    tmp_path: Path, database: str
) -> None:
    settings = settings_for(tmp_path, database)
    net = await publish(tmp_path, 1500)
    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
    before = await snapshot(settings)
    assert await overview_total(settings) == net

    outcome = await replay_analytics(settings, quiet=True, batch_size=400)

    assert await snapshot(settings) == before
    assert outcome.total == outcome.events == 1500 + 150
    assert outcome.rows["overview_activities"] == 1500
    assert not await shadow_left(tmp_path, settings), "the shadow is removed"


async def test_events_published_during_the_replay_are_counted_exactly_once(tmp_path: Path, database: str) -> None:
    settings = settings_for(tmp_path, database)
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
    assert await overview_total(settings) == net
    assert await snapshot(settings) == await recount(tmp_path, settings)
    assert not await shadow_left(tmp_path, settings)


async def test_a_replay_while_the_service_is_stopped_runs_ahead_of_it_and_the_service_resumes_after_it(
    tmp_path: Path, database: str
) -> None:
    settings = settings_for(tmp_path, database)
    net = await publish(tmp_path, 800)
    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
    net += await publish(tmp_path, 700)  # the stopped service has not seen these

    await replay_analytics(settings, quiet=True, batch_size=250)

    assert await overview_total(settings) == net
    assert await caught_up(tmp_path, settings), "the live tracking moved up to what the swapped views contain"
    async with live_service(settings):
        net += await publish(tmp_path, 300)
        await wait_caught_up(tmp_path, settings)
    assert await overview_total(settings) == net
    assert await snapshot(settings) == await recount(tmp_path, settings)


async def execute(settings: AnalyticsSettings, *statements: str) -> list[int]:
    """Run ``statements`` in one transaction on the live database; the rows each one hit."""

    async def run(connection: Any) -> list[int]:
        return [int((await connection.execute(text(sql))).rowcount) for sql in statements]

    async with opened(settings) as engine:
        return await in_transaction(engine, run)


async def damage(settings: AnalyticsSettings) -> int:
    """Add 1000 to every province's count of the live overview (so old and new answers differ); the rows hit."""
    (hit,) = await execute(settings, "UPDATE overview_provinces SET activities = activities + 1000")
    return hit


async def test_the_api_answers_from_the_old_views_until_the_swap_and_then_from_the_new(
    tmp_path: Path, database: str
) -> None:
    settings = settings_for(tmp_path, database)
    net = await publish(tmp_path, 1500)
    app = create_app(build(settings))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            await wait_caught_up(tmp_path, settings)
            old = net + 1000 * await damage(settings)
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


async def test_a_failure_in_the_middle_of_the_swap_leaves_the_live_views_as_they_were(
    tmp_path: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, database)
    await publish(tmp_path, 600)
    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
    await damage(settings)  # so that a swap that went through, even in part, would show
    # a last "view" the live database has and the shadow lacks: its copy fails after every real view
    # table has been emptied and refilled, and after it has been emptied itself
    await execute(
        settings, "CREATE TABLE zz_not_in_the_shadow (x INTEGER)", "INSERT INTO zz_not_in_the_shadow VALUES (7)"
    )
    extra = Table("zz_not_in_the_shadow", MetaData(), Column("x", Integer))
    monkeypatch.setattr(replay_run, "view_tables", lambda: [*view_tables(), extra])
    await publish(tmp_path, 100)  # the shadow runs ahead of the stopped service: tracking would move
    before, tracked = await snapshot(settings), await tracking(settings)

    with pytest.raises(ReplayError, match=r"swap into .* failed and was rolled back.*zz_not_in_the_shadow"):
        await replay_analytics(settings, quiet=True, batch_size=200)

    assert await snapshot(settings) == before
    assert await tracking(settings) == tracked
    async with opened(settings) as engine:
        assert await rows(engine, "SELECT x FROM zz_not_in_the_shadow") == [(7,)]
    assert not await shadow_left(tmp_path, settings)


async def test_the_command_shows_progress_on_stderr_and_a_summary(tmp_path: Path, database: str) -> None:
    settings = settings_for(tmp_path, database)
    await publish(tmp_path, 1000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
    if is_postgres(settings):
        env["KEPURI_ANALYTICS_DATABASE_URL"] = database
    command = [sys.executable, "-m", "cli", "replay", "analytics", "--data-dir", str(tmp_path)]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "--batch-size", "200"],
            cwd=REPO,
            env={**env, "KEPURI_ENVIRONMENT": "test"},
            capture_output=True,
            text=True,
            timeout=240,
        )

    result = await asyncio.to_thread(run)
    assert result.returncode == 0, result.stderr
    assert "replay analytics" in result.stderr
    assert "100%" in result.stderr and "1.10k/1.10k" in result.stderr
    assert "events/s" in result.stderr
    assert "1,100 events replayed" in result.stdout
    assert await overview_total(settings) == 900
    assert not await shadow_left(tmp_path, settings)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("mysql+aiomysql://kepuri@127.0.0.1:1/analytics", "SQLite and PostgreSQL, not mysql"),
        ("postgresql+psycopg://kepuri@127.0.0.1:1/analytics", "through asyncpg"),
        ("sqlite+aiosqlite:///:memory:", "needs a SQLite file"),
    ],
)
async def test_an_unsupported_database_is_refused_with_a_clear_message_and_nothing_is_touched(
    tmp_path: Path, url: str, why: str
) -> None:
    settings = AnalyticsSettings(data_dir=tmp_path, database_url=url, environment="test")
    with pytest.raises(ReplayRefused, match=why):
        await replay_analytics(settings, quiet=True)
    assert not os.listdir(tmp_path)


async def test_replayed_views_equal_the_live_built_views_of_a_varied_history(tmp_path: Path, database: str) -> None:
    """Every kind of event the views count (changes of region, day, category and themes, withdrawals,
    verdicts, recommendations, endorsements and their withdrawal, commendations, check-ins, feedback,
    notifications, facts before their registration, events published twice): the views the live
    consumers built, the statistics' counters among them, are the views the replay builds."""
    settings = settings_for(tmp_path, database)
    async with EmbeddedLog(tmp_path / "bus.db", synchronous="NORMAL") as log:
        await log.publish([message(e) for e in history()])
    async with live_service(settings):
        await wait_caught_up(tmp_path, settings)
    live = await snapshot(settings)
    assert len(live["activity_counts"]) > 500

    await replay_analytics(settings, quiet=True, batch_size=97)

    assert await snapshot(settings) == live
    assert await recount(tmp_path, settings) == live
