"""The store contract: one suite, passed by every backend (SQLite through aiosqlite, PostgreSQL through asyncpg).

:class:`StoreContract` holds every test; each backend subclasses it once and says only how to get
an empty database and an unreachable one. Every test gets a fresh database, migrated with
registration's migrations, as a service's database is at start.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.ports import free_port
from services.registration.adapters.tables import metadata
from shared.bus import Bus, BusUnavailable, Message, Record, Subscription, TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.bus.message import decode_headers
from shared.events import CATALOG, Envelope, from_record
from shared.events.payloads.activities import ActivityUpdated
from shared.store import (
    AggregateAppend,
    BackboneTables,
    Bulk,
    Changes,
    ConcurrencyError,
    GroupCommitter,
    IntegrityViolation,
    OutboxRelay,
    Recorder,
    StoreUnavailable,
    create_engine,
    in_transaction,
    reading,
    transaction,
)
from shared.store.migrations import alembic_config, migrate
from shared.store.upsert import upsert
from shared.web.idempotency import IdempotencyKeys, IdempotentRequest
from tests.contract.test_migrations import schema_differences

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


class StoreContract:
    """What every store backend must do. Subclasses provide ``database_url`` and ``unreachable_url``."""

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

    # --- the recorder -------------------------------------------------------------------------

    async def test_append_then_load_round_trips_envelopes(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        aggregate_id = new_id()
        beijing = timezone(timedelta(hours=8))
        events = [
            event(aggregate_id, 1, correlationid="corr-1", causationid="cause-1", campaign="2025"),
            event(aggregate_id, 2).model_copy(update={"time": datetime(2025, 5, 20, 9, 30, 15, 123456, beijing)}),
            event(aggregate_id, 3).model_copy(update={"time": datetime(2025, 5, 20, 1, 2, 3, 4, UTC)}),
        ]
        await writer.submit(Changes(appends=[AggregateAppend(aggregate_id, 0, events)]))

        loaded = await load(engine, recorder, aggregate_id)

        assert loaded == events
        assert [e.id for e in loaded] == [e.id for e in events]
        assert [e.sequence for e in loaded] == [1, 2, 3]
        assert all(e.time.tzinfo is not None and e.time.utcoffset() is not None for e in loaded)
        assert loaded[0].data == {"activity_id": aggregate_id, "changes": {"name": "科普活动 第1版", "by": "test"}}
        assert await load(engine, recorder, new_id()) == []

    async def test_wrong_expected_version_raises_and_writes_nothing(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        aggregate_id = new_id()
        await writer.submit(appending(aggregate_id, 0, count=2))

        for stale in (0, 1, 3):
            with pytest.raises(ConcurrencyError) as caught:
                await writer.submit(appending(aggregate_id, stale))
            assert (caught.value.aggregate_id, caught.value.expected, caught.value.actual) == (aggregate_id, stale, 2)

        assert [e.sequence for e in await load(engine, recorder, aggregate_id)] == [1, 2]
        assert await count_rows(engine, recorder.tables.events) == 2
        assert await count_rows(engine, recorder.tables.outbox) == 2

    async def test_concurrent_writers_on_one_version_exactly_one_wins(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        aggregate_id, bystander = new_id(), new_id()
        await writer.submit(appending(aggregate_id, 0))
        contenders = [appending(aggregate_id, 1) for _ in range(10)]

        results = await outcomes(*(writer.submit(c) for c in contenders), writer.submit(appending(bystander, 0, 3)))

        *raced, bystander_result = results
        winners = [c for c, r in zip(contenders, raced, strict=True) if r is None]
        assert len(winners) == 1
        assert all(isinstance(r, ConcurrencyError) for r in raced if r is not None)
        assert bystander_result is None
        stored = await load(engine, recorder, aggregate_id)
        assert [e.sequence for e in stored] == [1, 2]
        assert stored[1].id == winners[0].appends[0].events[0].id
        assert [e.sequence for e in await load(engine, recorder, bystander)] == [1, 2, 3]
        assert await count_rows(engine, recorder.tables.outbox) == 5

    async def test_racing_writers_lose_no_update(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        """Writers that reload and decide again after a conflict all get their events in, in order."""
        aggregate_id = new_id()
        names = [f"w{i}" for i in range(6)]

        await asyncio.gather(*(write_in_turn(engine, writer, recorder, aggregate_id, name, 5) for name in names))

        await assert_all_written(engine, recorder, aggregate_id, names, 5)

    async def test_two_replicas_racing_on_one_aggregate(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder
    ) -> None:
        """Two engines, each with its own writer (two replicas of a service): one winner per version."""
        replicas = [create_engine(database_url) for _ in range(2)]
        writers = [GroupCommitter(replica, recorder) for replica in replicas]
        for w in writers:
            await w.start()
        aggregate_id = new_id()
        try:
            for version in range(10):
                results = await outcomes(*(w.submit(appending(aggregate_id, version)) for w in writers))
                assert results.count(None) == 1, results
                assert all(isinstance(r, ConcurrencyError) for r in results if r is not None), results
        finally:
            for w in writers:
                await w.stop()
            for replica in replicas:
                await replica.dispose()
        assert [e.sequence for e in await load(engine, recorder, aggregate_id)] == list(range(1, 11))

    async def test_a_failing_item_does_not_fail_its_batch(self, engine: AsyncEngine, recorder: Recorder) -> None:
        commits: list[int] = []
        writer = GroupCommitter(engine, recorder, on_commit=commits.append)
        await writer.start()
        first, stale, misnumbered, last = new_id(), new_id(), new_id(), new_id()
        wrong_sequence = Changes(appends=[AggregateAppend(misnumbered, 0, [event(misnumbered, 2)])])
        try:
            await writer.submit(appending(stale, 0))
            results = await outcomes(
                writer.submit(appending(first, 0)),
                writer.submit(appending(stale, 0)),
                writer.submit(wrong_sequence),
                writer.submit(appending(last, 0, 2)),
            )
        finally:
            await writer.stop()

        assert commits == [1, 2]  # the four were one batch, and its two good items were committed together
        assert results[0] is None and results[3] is None
        assert isinstance(results[1], ConcurrencyError)
        assert isinstance(results[2], ValueError)
        assert [len(await load(engine, recorder, a)) for a in (first, stale, misnumbered, last)] == [1, 1, 0, 2]

    async def test_an_item_breaking_a_unique_rule_fails_alone(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        keys = IdempotencyKeys(engine, recorder.tables)
        request = IdempotentRequest("POST /api/v1/activities", "key-1", "fingerprint")
        twins = [appending(new_id(), 0), appending(new_id(), 0)]
        for changes in twins:
            changes.inserts.append(keys.record(request, 201, b"{}"))
        clean = appending(new_id(), 0)

        results = await outcomes(*(writer.submit(c) for c in (*twins, clean)))

        assert results[2] is None
        assert sorted(r is None for r in results[:2]) == [False, True]
        failure = next(r for r in results[:2] if r is not None)
        assert isinstance(failure, IntegrityViolation) and not isinstance(failure, ConcurrencyError)
        loser = twins[results.index(failure)].appends[0].aggregate_id
        assert await load(engine, recorder, loser) == []
        assert await count_rows(engine, recorder.tables.events) == 2
        assert await count_rows(engine, recorder.tables.outbox) == 2
        assert await count_rows(engine, recorder.tables.idempotency_keys) == 1

    async def test_an_item_judged_against_a_failed_append_is_tried_again_alone(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        # In one batch, A appends to X and breaks a unique rule; B expects X as it is now (version 1).
        # Judged after A, B looks stale; but A never commits, so B must succeed on its own.
        keys = IdempotencyKeys(engine, recorder.tables)
        request = IdempotentRequest("POST /api/v1/activities", "key-taken", "fingerprint")
        await writer.submit(Changes(inserts=[keys.record(request, 201, b"{}")]))
        x = new_id()
        await writer.submit(appending(x, 0))
        doomed = appending(x, 1)
        doomed.inserts.append(keys.record(request, 201, b"{}"))

        results = await outcomes(writer.submit(doomed), writer.submit(appending(x, 1, by="b")))

        assert isinstance(results[0], IntegrityViolation) and not isinstance(results[0], ConcurrencyError)
        assert results[1] is None
        assert [e.sequence for e in await load(engine, recorder, x)] == [1, 2]

    async def test_a_bulk_statement_runs_once_per_row_in_its_change(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        keys, t = IdempotencyKeys(engine, recorder.tables), recorder.tables.idempotency_keys
        requests = [IdempotentRequest("POST /bulk", f"key-{i}", "fingerprint") for i in range(3)]
        await writer.submit(Changes(inserts=[keys.record(r, 201, b"{}") for r in requests]))
        update = t.update().where(t.c.scope == "POST /bulk", t.c.key == bindparam("k"))
        rows = [{"k": "key-0", "code": 409}, {"k": "key-2", "code": 410}]
        empty = Bulk(update.values(status_code=500), [])  # no rows: nothing runs
        await writer.submit(Changes(statements=[Bulk(update.values(status_code=bindparam("code")), rows), empty]))
        async with engine.connect() as connection:
            got = dict(
                (await connection.execute(select(t.c.key, t.c.status_code).where(t.c.scope == "POST /bulk"))).all()
            )
        assert got == {"key-0": 409, "key-1": 201, "key-2": 410}

    # --- the outbox and its relay -------------------------------------------------------------

    async def test_each_event_makes_one_outbox_row_holding_its_cloudevent(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter
    ) -> None:
        a, b = new_id(), new_id()
        extra = Message("kepuri.deadletters.v1", b"k", b'{"why": "test"}', (("reason", b"test"),))
        await writer.submit(appending(a, 0, 2))
        await writer.submit(Changes(appends=appending(b, 0).appends, messages=[extra]))
        events = [*await load(engine, recorder, a), *await load(engine, recorder, b)]

        o = recorder.tables.outbox
        async with engine.connect() as connection:
            rows = (await connection.execute(select(o).order_by(o.c.id))).all()

        assert len(rows) == len(events) + 1
        assert all(row.published_at is None and row.created_at is not None for row in rows)
        messages = [Message(r.topic, r.key, r.value, decode_headers(r.headers)) for r in rows]
        assert [from_record(m) for m in messages[:-1]] == events
        assert [(m.topic, m.key) for m in messages[:-1]] == [(TOPIC, e.subject.encode()) for e in events]
        assert messages[0].header("ce_specversion") == b"1.0"
        assert messages[-1] == extra

    async def test_relay_publishes_in_id_order_and_marks_rows(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, log: EmbeddedLog
    ) -> None:
        for aggregate_id in (new_id(), new_id(), new_id()):
            await writer.submit(appending(aggregate_id, 0, 2))
        o = recorder.tables.outbox
        async with engine.connect() as connection:
            rows = (await connection.execute(select(o).order_by(o.c.id))).all()
        ids_in_order = [from_record(Message(r.topic, r.key, r.value, decode_headers(r.headers))).id for r in rows]
        relay = OutboxRelay(engine, recorder.tables, log, service="test")

        assert await relay.relay_once() == 6
        assert await relay.relay_once() == 0

        assert await relay.backlog() == 0
        assert await count_rows(engine, o, o.c.published_at.is_(None)) == 0
        records = await read_log(log, 6)
        assert [from_record(r).id for r in records] == ids_in_order

    async def test_relay_keeps_each_keys_order_over_many_batches(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, tmp_path: Path
    ) -> None:
        aggregates = [new_id() for _ in range(4)]
        for version in range(5):  # interleaved: each aggregate's events are spread over the outbox
            for aggregate_id in aggregates:
                await writer.submit(appending(aggregate_id, version))
        relay_log = EmbeddedLog(tmp_path / "partitioned.db", default_partitions=3)
        await relay_log.start()
        try:
            relay = OutboxRelay(engine, recorder.tables, relay_log, service="test", batch_size=3)
            published = [await relay.relay_once() for _ in range(8)]
            records = await read_log(relay_log, 20)
        finally:
            await relay_log.stop()

        assert published == [3, 3, 3, 3, 3, 3, 2, 0]
        assert len(records) == 20
        for aggregate_id in aggregates:
            mine = [from_record(r) for r in records if r.key == aggregate_id.encode()]
            assert [e.sequence for e in mine] == [1, 2, 3, 4, 5]

    async def test_relay_waits_out_a_bus_outage_and_then_delivers_everything_once(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, log: EmbeddedLog
    ) -> None:
        bus = FlakyBus(log)
        events = 0
        for aggregate_id in (new_id(), new_id()):
            await writer.submit(appending(aggregate_id, 0, 3))
            events += 3
        relay = OutboxRelay(
            engine, recorder.tables, bus, service="test", idle_interval=0.01, max_backoff=0.05, takeover_s=0.1
        )

        with pytest.raises(BusUnavailable):
            await relay.relay_once()
        running = asyncio.create_task(relay.run())
        try:
            await asyncio.wait_for(bus.refused_enough.wait(), BOUND)
            assert await relay.backlog() == events
            await writer.submit(appending(new_id(), 0))  # registrations go on while the bus is down
            events += 1
            bus.down = False
            for _ in range(int(BOUND / 0.02)):
                if await relay.backlog() == 0:
                    break
                await asyncio.sleep(0.02)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

        assert await relay.backlog() == 0
        async with engine.connect() as connection:
            stored = set((await connection.scalars(select(recorder.tables.events.c.event_id))).all())
        delivered = [from_record(r).id for r in await read_log(log, events)]
        assert len(delivered) == len(stored) == events
        assert set(delivered) == stored

    # --- tracking, errors and migrations ------------------------------------------------------

    async def test_tracking_upsert_inserts_then_updates(self, engine: AsyncEngine, recorder: Recorder) -> None:
        t = recorder.tables.tracking
        keys = ("consumer", "topic", "partition")

        def row(partition: int, offset: int) -> dict[str, Any]:
            return {"consumer": "views", "topic": TOPIC, "partition": partition, "offset": offset}

        async def offsets() -> dict[int, int]:
            async with engine.connect() as connection:
                return {p: o for p, o in await connection.execute(select(t.c.partition, t.c.offset))}

        async with transaction(engine) as connection:
            await connection.run_sync(lambda c: upsert(c, t, [row(0, 5), row(1, 7)], keys, update={"offset": None}))
        async with transaction(engine) as connection:
            await connection.run_sync(lambda c: upsert(c, t, [row(0, 9), row(2, 1)], keys, update={"offset": None}))
        assert await offsets() == {0: 9, 1: 7, 2: 1}

        async with transaction(engine) as connection:
            await connection.run_sync(
                lambda c: upsert(c, t, [row(0, 1), row(3, 4)], keys)
            )  # no update: keep what is there
            add = {"offset": lambda new, table: table.c.offset + new.offset}
            await connection.run_sync(lambda c: upsert(c, t, [row(1, 3)], keys, update=add))
            await connection.run_sync(lambda c: upsert(c, t, [], keys))
        assert await offsets() == {0: 9, 1: 10, 2: 1, 3: 4}

    async def test_transaction_maps_an_integrity_error(self, engine: AsyncEngine, recorder: Recorder) -> None:
        record = IdempotencyKeys(engine, recorder.tables).record(IdempotentRequest("s", "k", "f"), 201, b"{}")

        with pytest.raises(IntegrityViolation) as caught:
            async with transaction(engine) as connection:
                await connection.execute(record.table.insert(), [record.row])
                await connection.execute(record.table.insert(), [record.row])

        assert not isinstance(caught.value, ConcurrencyError)
        assert isinstance(caught.value.__cause__, IntegrityError)
        assert await count_rows(engine, recorder.tables.idempotency_keys) == 0

    async def test_an_unreachable_database_is_store_unavailable(self, unreachable_url: str) -> None:
        engine = create_engine(unreachable_url)
        try:
            with pytest.raises(StoreUnavailable) as caught:
                async with transaction(engine) as connection:
                    await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()
        assert caught.value.__cause__ is not None

    async def test_no_connection_free_within_the_pool_timeout_is_store_unavailable(self, database_url: str) -> None:
        engine = create_engine(database_url, pool_size=1, pool_timeout=0.2)
        try:
            async with engine.connect(), engine.connect():  # the pooled connection and its one overflow
                with pytest.raises(StoreUnavailable) as caught:
                    await reading(engine, lambda connection: connection.execute(text("SELECT 1")))
            assert await reading(engine, lambda connection: connection.scalar(text("SELECT 1"))) == 1
        finally:
            await engine.dispose()
        assert "no database connection free" in str(caught.value)

    async def test_migrations_are_idempotent_and_match_the_metadata(self, engine: AsyncEngine) -> None:
        await migrate(engine, MIGRATIONS)

        async with engine.connect() as connection:
            head = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_current_head()
            assert (await connection.scalars(text("SELECT version_num FROM alembic_version"))).all() == [head]
            assert await connection.run_sync(schema_differences, metadata) == []


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"

    @pytest.fixture
    def unreachable_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}"  # a directory cannot be opened as a database file


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def database_url(self, fresh_postgres_url: str) -> str:
        return fresh_postgres_url

    @pytest.fixture
    def unreachable_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/kepuri"  # nobody listens there

    async def test_replicas_in_parallel_threads_lose_no_update(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder
    ) -> None:
        """Like two replica processes: each has its own thread, event loop, engine and writer, and
        three clients writing to the same aggregate. Optimistic locking must lose nothing."""
        aggregate_id = new_id()
        together = threading.Barrier(2)

        async def replica(name: str) -> None:
            own_engine = create_engine(database_url)
            writer = GroupCommitter(own_engine, recorder)
            await writer.start()
            try:
                together.wait(BOUND)  # this thread's own loop: nothing else waits on it
                await asyncio.gather(
                    *(write_in_turn(own_engine, writer, recorder, aggregate_id, f"{name}{i}", 5) for i in range(3))
                )
            finally:
                await writer.stop()
                await own_engine.dispose()

        await asyncio.gather(*(asyncio.to_thread(asyncio.run, replica(name)) for name in ("a", "b")))

        await assert_all_written(engine, recorder, aggregate_id, [f"{r}{i}" for r in "ab" for i in range(3)], 5)

    async def test_a_relay_whose_lock_session_ends_stops_relaying_and_every_row_goes_out_once(
        self, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, log: EmbeddedLog
    ) -> None:
        """A database restart ends the session holding the relay lock: the other replica takes the lock,
        and the first must not go on publishing beside it."""
        first, second = (
            OutboxRelay(engine, recorder.tables, log, service="test", idle_interval=0.01, takeover_s=0.5) for _ in "ab"
        )
        running = [asyncio.create_task(first.run())]
        try:
            for _ in range(int(BOUND / 0.02)):
                if first._holding is not None:
                    break
                await asyncio.sleep(0.02)
            holder = first._holding
            assert holder is not None
            pid = await holder.scalar(text("SELECT pg_backend_pid()"))
            await holder.rollback()
            running.append(asyncio.create_task(second.run()))  # queues for the lock
            async with engine.connect() as admin:  # the first relay's session ends, as in a restart
                assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(int(BOUND / 0.02)):
                if second._holding is not None:
                    break
                await asyncio.sleep(0.02)
            assert second._holding is not None, "the second replica never took the freed lock"
            events = 0
            for aggregate_id in (new_id() for _ in range(20)):
                await writer.submit(appending(aggregate_id, 0, 3))
                events += 3
            for _ in range(int(BOUND / 0.02)):
                if await second.backlog() == 0:
                    break
                await asyncio.sleep(0.02)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

        delivered = [from_record(r).id for r in await read_log(log, events)]
        assert len(delivered) == events == len(set(delivered))
