"""The store contract, rung 2: every event (and plain message) becomes an outbox row in the same
transaction, and the relay publishes the outbox in order, once (see store_support.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus import BusUnavailable, Message
from shared.bus.embedded import EmbeddedLog
from shared.bus.message import decode_headers
from shared.events import from_record
from shared.store import (
    Changes,
    GroupCommitter,
    OutboxRelay,
    Recorder,
)
from tests.contract.store_support import (
    BOUND,
    TOPIC,
    FlakyBus,
    OnPostgres,
    OnSQLite,
    StoreFixtures,
    appending,
    count_rows,
    load,
    new_id,
    read_log,
)


class OutboxRecorderContract(StoreFixtures):
    """What every backend must do for the outbox and its relay."""

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


class TestOutboxOnSQLite(OnSQLite, OutboxRecorderContract):
    pass


class TestOutboxOnPostgres(OnPostgres, OutboxRecorderContract):
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
