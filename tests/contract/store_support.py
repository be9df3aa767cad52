"""What the store's contract suites share: events and changes to write, helpers, fixtures, backends.

The store contract is split by rung of the recorder ladder (shared/store/recorder.py):
``test_store_aggregates.py`` (aggregates as events), ``test_store_outbox.py`` (the outbox and its
relay), ``test_store_tracking.py`` (consumer tracking), plus ``test_store_engine.py`` (errors and
migrations). Each holds one abstract suite, subclassed once per backend with :class:`OnSQLite` or
:class:`OnPostgres`, which say only how to get an empty database and an unreachable one. Every test
gets a fresh database, migrated with registration's migrations, as a service's database is at start.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.ports import free_port
from services.registration.adapters.tables import metadata
from shared.bus import Bus, BusUnavailable, Message, Record, Subscription, TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.events import CATALOG, Envelope
from shared.events.payloads.activities import ActivityUpdated
from shared.store import (
    AggregateAppend,
    BackboneTables,
    Changes,
    ConcurrencyError,
    GroupCommitter,
    Recorder,
    create_engine,
    in_transaction,
)
from shared.store.migrations import migrate

MIGRATIONS = "services.registration:migrations"
SOURCE = "/kepuri/tests"
TOPIC = CATALOG["activity-updated"].topic.name
BOUND = 30.0  # seconds: a bound on waiting, so a broken relay fails the test instead of hanging it
MAX_ATTEMPTS = 200  # a client's retries after conflicts; someone wins every race, so this is never reached


def event(aggregate_id: str, sequence: int, by: str = "test", **attributes: Any) -> Envelope:
    """An activity-updated event creating version ``sequence`` of ``aggregate_id``, written ``by`` someone."""
    payload = ActivityUpdated(activity_id=aggregate_id, changes={"name": f"科普活动 第{sequence}版", "by": by})
    return CATALOG.envelope(payload, subject=aggregate_id, sequence=sequence, source=SOURCE, **attributes)


def appending(aggregate_id: str, expected: int, count: int = 1, by: str = "test") -> Changes:
    """Changes appending ``count`` events to an aggregate expected at version ``expected``."""
    events = [event(aggregate_id, expected + n, by) for n in range(1, count + 1)]
    return Changes(appends=[AggregateAppend(aggregate_id, expected, events)])


def new_id() -> str:
    return uuid.uuid4().hex


async def count_rows(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def load(engine: AsyncEngine, recorder: Recorder, aggregate_id: str) -> list[Envelope]:
    return await in_transaction(engine, lambda connection: recorder.load(connection, aggregate_id))


async def outcomes(*submissions: Any) -> list[BaseException | None]:
    """Run ``submit`` calls at once; each one's exception, or None where it committed."""
    return list(await asyncio.gather(*submissions, return_exceptions=True))


async def read_log(log: EmbeddedLog, expected: int) -> list[Record]:
    """Everything on the events' topic, read as a new consumer group (bounded wait for ``expected``)."""
    records: list[Record] = []
    async with log.subscribe(f"reader-{new_id()}", [TOPIC]) as subscription:
        for _ in range(200):
            records += await subscription.poll(timeout_ms=50)
            if len(records) >= expected:
                break
        records += await subscription.poll(timeout_ms=50)  # anything delivered twice would show here
    return records


async def write_in_turn(
    engine: AsyncEngine, writer: GroupCommitter, recorder: Recorder, aggregate_id: str, by: str, count: int
) -> None:
    """Append ``count`` events as a client would: load, decide, submit; after a conflict load again."""
    for n in range(count):
        for _attempt in range(MAX_ATTEMPTS):
            version = len(await load(engine, recorder, aggregate_id))
            try:
                await writer.submit(appending(aggregate_id, version, by=f"{by}-{n}"))
                break
            except ConcurrencyError:
                continue
        else:
            raise AssertionError(f"{by} lost {MAX_ATTEMPTS} races in a row: writers are not making progress")


async def assert_all_written(
    engine: AsyncEngine, recorder: Recorder, aggregate_id: str, writers: list[str], count: int
) -> None:
    """Every writer's every event is stored, and the aggregate's versions run 1, 2, 3… without a gap."""
    stored = await load(engine, recorder, aggregate_id)
    assert [e.sequence for e in stored] == list(range(1, len(writers) * count + 1))
    assert sorted(e.data["changes"]["by"] for e in stored) == sorted(f"{w}-{n}" for w in writers for n in range(count))


class FlakyBus(Bus):
    """A bus that is down until told otherwise, then publishes to a real embedded log."""

    def __init__(self, log: EmbeddedLog) -> None:
        self.log = log
        self.down = True
        self.refused = 0
        self.refused_enough = asyncio.Event()

    async def start(self) -> None:
        await self.log.start()

    async def stop(self) -> None:
        await self.log.stop()

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        await self.log.ensure_topics(topics)

    async def publish(self, messages: Sequence[Message]) -> None:
        if self.down:
            self.refused += 1
            if self.refused >= 3:
                self.refused_enough.set()
            raise BusUnavailable("the broker is down (test)")
        await self.log.publish(messages)

    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return self.log.subscribe(group, topics)

    async def ping(self) -> None:
        if self.down:
            raise BusUnavailable("the broker is down (test)")


class StoreFixtures:
    """The fixtures of every store suite. A backend (:class:`OnSQLite`, :class:`OnPostgres`) provides
    ``database_url`` and ``unreachable_url``."""

    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def unreachable_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    async def engine(self, database_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(database_url)
        await migrate(engine, MIGRATIONS)
        yield engine
        await engine.dispose()

    @pytest.fixture
    def recorder(self) -> Recorder:
        return Recorder(BackboneTables(metadata))

    @pytest.fixture
    async def writer(self, engine: AsyncEngine, recorder: Recorder) -> AsyncIterator[GroupCommitter]:
        committer = GroupCommitter(engine, recorder)
        await committer.start()
        yield committer
        await committer.stop()

    @pytest.fixture
    async def log(self, tmp_path: Path) -> AsyncIterator[EmbeddedLog]:
        log = EmbeddedLog(tmp_path / "bus.db", default_partitions=1)
        await log.start()
        yield log
        await log.stop()


class OnSQLite:
    """A SQLite file through aiosqlite."""

    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"

    @pytest.fixture
    def unreachable_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}"  # a directory cannot be opened as a database file


class OnPostgres:
    """A fresh database on the embedded PostgreSQL, through asyncpg."""

    @pytest.fixture
    def database_url(self, fresh_postgres_url: str) -> str:
        return fresh_postgres_url

    @pytest.fixture
    def unreachable_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/kepuri"  # nothing listens there
