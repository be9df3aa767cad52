"""The store contract, rung 3: consumer tracking, on every backend (see store_support.py).

A consumer's positions (group, topic, partition → the last offset applied) are moved in the same
transaction as its view's writes: recording one twice changes nothing, they never move back, each
group and partition has its own, they commit or roll back with the view, and a consumer restarted
on the same database resumes after what it applied (tests/unit/test_consumer.py covers the rest of
the runtime on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus import Record
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime, Delivery
from shared.events import from_record, to_message
from shared.store import (
    Position,
    Recorder,
    TrackingRecorder,
    create_engine,
    sync_reading,
    sync_transaction,
    transaction,
)
from shared.store.upsert import upsert
from tests.contract.store_support import TOPIC, OnPostgres, OnSQLite, StoreFixtures, event, new_id

OTHER_TOPIC = "kepuri.contract.other.v1"


class Counting:
    """A view that only notes the events it was given (its effects need no table of their own)."""

    name = "contract.counting"
    topics = (TOPIC,)

    def __init__(self) -> None:
        self.applied: list[str] = []

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        self.applied.extend(d.envelope.id for d in deliveries)


async def track(engine: AsyncEngine, recorder: TrackingRecorder, consumer: str, offsets: dict[Position, int]) -> None:
    await sync_transaction(engine, lambda connection: recorder.track(connection, consumer, offsets))


async def tracked(engine: AsyncEngine, recorder: TrackingRecorder, consumer: str, *topics: str) -> dict[Position, int]:
    return await sync_reading(engine, lambda connection: recorder.tracked(connection, consumer, topics or (TOPIC,)))


async def published(log: EmbeddedLog, count: int) -> list[Record]:
    """``count`` new events published on the events' topic, read back as the log delivers them."""
    await log.publish([to_message(event(new_id(), 1), TOPIC) for _ in range(count)])
    records: list[Record] = []
    async with log.subscribe(f"reader-{new_id()}", [TOPIC]) as subscription:
        while batch := await subscription.poll(10_000, 50):
            records.extend(batch)
    return records


class TrackingRecorderContract(StoreFixtures):
    """What every backend must do to track what consumers have applied."""

    async def test_a_position_recorded_twice_is_kept_once(self, engine: AsyncEngine, recorder: Recorder) -> None:
        await track(engine, recorder, "views", {(TOPIC, 0): 5, (TOPIC, 1): 7})
        await track(engine, recorder, "views", {(TOPIC, 0): 5, (TOPIC, 1): 7})

        assert await tracked(engine, recorder, "views") == {(TOPIC, 0): 5, (TOPIC, 1): 7}
        async with engine.connect() as connection:
            assert len((await connection.execute(select(recorder.tables.tracking))).all()) == 2

    async def test_positions_only_move_forward(self, engine: AsyncEngine, recorder: Recorder) -> None:
        await track(engine, recorder, "views", {(TOPIC, 0): 9})
        await track(engine, recorder, "views", {(TOPIC, 0): 3})  # a late, older batch
        assert await tracked(engine, recorder, "views") == {(TOPIC, 0): 9}

        def with_what_was_read(connection: Connection) -> None:
            recorder.track(connection, "views", {(TOPIC, 0): 4}, recorder.tracked(connection, "views", [TOPIC]))

        await sync_transaction(engine, with_what_was_read)
        await track(engine, recorder, "views", {(TOPIC, 0): 12})
        assert await tracked(engine, recorder, "views") == {(TOPIC, 0): 12}

    async def test_each_consumer_group_topic_and_partition_has_its_own_position(
        self, engine: AsyncEngine, recorder: Recorder
    ) -> None:
        await track(engine, recorder, "views", {(TOPIC, 0): 5, (TOPIC, 2): 1, (OTHER_TOPIC, 0): 8})
        await track(engine, recorder, "mailer", {(TOPIC, 0): 2})
        await track(engine, recorder, "views", {(TOPIC, 2): 6})

        assert await tracked(engine, recorder, "views") == {(TOPIC, 0): 5, (TOPIC, 2): 6}
        assert await tracked(engine, recorder, "views", TOPIC, OTHER_TOPIC) == {
            (TOPIC, 0): 5,
            (TOPIC, 2): 6,
            (OTHER_TOPIC, 0): 8,
        }
        assert await tracked(engine, recorder, "mailer") == {(TOPIC, 0): 2}
        assert await tracked(engine, recorder, "nobody") == {}

    async def test_a_position_rolls_back_with_the_views_writes(self, engine: AsyncEngine, recorder: Recorder) -> None:
        await track(engine, recorder, "views", {(TOPIC, 0): 1})

        def apply_then_fail(connection: Connection) -> None:
            recorder.track(connection, "views", {(TOPIC, 0): 2})
            raise RuntimeError("the view's write failed")

        with pytest.raises(RuntimeError):
            await sync_transaction(engine, apply_then_fail)
        assert await tracked(engine, recorder, "views") == {(TOPIC, 0): 1}

    async def test_a_restarted_consumer_resumes_after_what_it_applied(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder, log: EmbeddedLog
    ) -> None:
        first = await published(log, 3)
        view = Counting()
        await ConsumerRuntime(engine, recorder, log, view).process(first)
        await ConsumerRuntime(engine, recorder, log, view).process(first)  # redelivered: already tracked
        assert len(view.applied) == 3

        restarted = create_engine(database_url)  # a new process on the same database
        try:
            everything = await published(log, 2)
            again = Counting()
            runtime = ConsumerRuntime(restarted, TrackingRecorder(recorder.tables), log, again)
            await runtime.process(everything)  # the offsets were never committed to the bus
        finally:
            await restarted.dispose()

        assert len(everything) == 5
        assert again.applied == [from_record(r).id for r in everything[3:]]
        assert runtime.applied == 2
        assert await tracked(engine, recorder, view.name) == {(TOPIC, 0): max(r.offset for r in everything)}

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


class TestTrackingOnSQLite(OnSQLite, TrackingRecorderContract):
    pass


class TestTrackingOnPostgres(OnPostgres, TrackingRecorderContract):
    pass
