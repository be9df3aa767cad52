"""The store contract, rung 1: aggregates stored as their events, with optimistic locking, written
through the group-commit writer (see store_support.py for how the suites are laid out)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus import Message
from shared.store import (
    AggregateAppend,
    AggregateRecorder,
    Bulk,
    Changes,
    ConcurrencyError,
    GroupCommitter,
    IntegrityViolation,
    Recorder,
    create_engine,
)
from shared.web.idempotency import IdempotencyKeys, IdempotentRequest
from tests.contract.store_support import (
    BOUND,
    TOPIC,
    OnPostgres,
    OnSQLite,
    StoreFixtures,
    appending,
    assert_all_written,
    count_rows,
    event,
    load,
    new_id,
    outcomes,
    write_in_turn,
)


class AggregateRecorderContract(StoreFixtures):
    """What every backend must do to store aggregates as events."""

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

    async def test_the_aggregate_rung_alone_records_events_and_no_outbox(
        self, engine: AsyncEngine, recorder: Recorder
    ) -> None:
        """The lowest rung stands on its own: events (and a command's rows), no outbox, no messages."""
        aggregates = AggregateRecorder(recorder.tables)
        writer = GroupCommitter(engine, aggregates)
        await writer.start()
        aggregate_id = new_id()
        try:
            await writer.submit(appending(aggregate_id, 0, count=2))
            with pytest.raises(ValueError, match="outbox"):
                await writer.submit(Changes(messages=[Message(TOPIC, b"k", b"{}", ())]))
        finally:
            await writer.stop()

        assert [e.sequence for e in await load(engine, aggregates, aggregate_id)] == [1, 2]
        assert await count_rows(engine, recorder.tables.outbox) == 0


class TestAggregatesOnSQLite(OnSQLite, AggregateRecorderContract):
    pass


class TestAggregatesOnPostgres(OnPostgres, AggregateRecorderContract):
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
