"""The consumer runtime on a real SQLite view and the embedded log: effectively-once application,
dead letters, isolation of failing events, the apply-error policy, transient retries, and the commit order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.events import activity_registered, activity_withdrawn, message
from services.analytics.adapters.tables import metadata, overview_activities, overview_provinces
from services.analytics.projections.overview import OverviewProjection
from shared.bus import Message, Record
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime, Delivery
from shared.consumer import metrics as consumer_metrics
from shared.events.topics import ACTIVITIES, DEAD_LETTERS
from shared.store import BackboneTables, OutboxRelay, Recorder, StoreUnavailable, create_engine
from shared.store.migrations import migrate

MIGRATIONS = "services.analytics:migrations"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/analytics.db")
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[EmbeddedLog]:
    async with EmbeddedLog(tmp_path / "bus.db", default_partitions=3) as log:
        yield log


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(BackboneTables(metadata))


async def read_all(log: EmbeddedLog, topic: str, group: str = "reader") -> list[Record]:
    records: list[Record] = []
    async with log.subscribe(group, [topic]) as subscription:
        while batch := await subscription.poll(10_000, 50):
            records.extend(batch)
    return records


async def province_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(overview_provinces.c.province, overview_provinces.c.activities))
        return {province: n for province, n in rows}


async def test_a_batch_is_applied_and_tracked(engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder) -> None:
    await log.publish([message(activity_registered(region_code=f"{p}0101")) for p in (11, 11, 61)])
    runtime = ConsumerRuntime(engine, recorder, log, OverviewProjection())
    records = await read_all(log, ACTIVITIES.name)
    await runtime.process(records)
    assert await province_counts(engine) == {"11": 2, "61": 1}
    async with engine.connect() as connection:
        tracked = (await connection.execute(select(recorder.tables.tracking))).all()
    assert {(row.partition, row.offset) for row in tracked} == {
        (p, max(r.offset for r in records if r.partition == p)) for p in {r.partition for r in records}
    }


async def test_redelivery_changes_nothing(engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder) -> None:
    await log.publish([message(activity_registered()) for _ in range(5)])
    runtime = ConsumerRuntime(engine, recorder, log, OverviewProjection())
    records = await read_all(log, ACTIVITIES.name)
    await runtime.process(records)
    await runtime.process(records)
    await runtime.process(records[2:])
    assert await province_counts(engine) == {"61": 5}
    assert runtime.applied == 5


async def test_an_event_published_twice_counts_once(engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder) -> None:
    # The relay publishes again after a crash between publishing and marking: same event, new offset.
    registered = activity_registered()
    withdrawn = activity_withdrawn(registered.subject)
    await log.publish([message(registered), message(registered), message(withdrawn), message(withdrawn)])
    runtime = ConsumerRuntime(engine, recorder, log, OverviewProjection())
    await runtime.process(await read_all(log, ACTIVITIES.name))
    assert await province_counts(engine) == {}
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(overview_activities)) == 1


async def test_poison_records_go_to_the_dead_letter_topic_and_the_rest_is_applied(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    good = message(activity_registered())
    not_a_cloudevent = Message(ACTIVITIES.name, b"k1", b'{"hello": 1}', ())
    not_json = Message(ACTIVITIES.name, b"k2", b"\xff\xfe", good.headers)
    unknown_type = Message(
        ACTIVITIES.name,
        b"k3",
        good.value,
        tuple((n, b"activity-teleported" if n == "ce_type" else v) for n, v in good.headers),
    )
    invalid_payload = Message(ACTIVITIES.name, good.key, b'{"activity_id": 5}', good.headers)
    await log.publish([not_a_cloudevent, good, not_json, unknown_type, invalid_payload])
    runtime = ConsumerRuntime(engine, recorder, log, OverviewProjection())
    before = consumer_metrics.DEAD_LETTERS.labels(runtime.group)._value.get()

    await runtime.process(await read_all(log, ACTIVITIES.name))

    assert await province_counts(engine) == {"61": 1}
    assert consumer_metrics.DEAD_LETTERS.labels(runtime.group)._value.get() - before == 4
    relay = OutboxRelay(engine, recorder.tables, log, service="analytics")
    assert await relay.relay_once() == 4
    dead = await read_all(log, DEAD_LETTERS.name)
    reasons = sorted(r.header("kepuri_dlq_error").decode() for r in dead)  # type: ignore[union-attr]
    assert [reason.split(":")[0] for reason in reasons] == [
        "MalformedEvent",
        "MalformedEvent",
        "UnknownEventType",
        "ValidationError",
    ]
    assert all(r.header("kepuri_dlq_topic") == ACTIVITIES.name.encode() for r in dead)
    assert {r.value for r in dead} >= {b'{"hello": 1}', b"\xff\xfe"}


class FailingOn(OverviewProjection):
    """The overview, except that applying the listed events raises."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        if any(d.envelope.id in self.failing for d in deliveries):
            raise ValueError("cannot apply this event")
        super().apply(connection, deliveries)


async def test_an_event_that_fails_to_apply_is_isolated_and_dead_lettered(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    envelopes = [activity_registered() for _ in range(6)]
    await log.publish([message(e) for e in envelopes])
    runtime = ConsumerRuntime(engine, recorder, log, FailingOn({envelopes[3].id}))
    await runtime.process(await read_all(log, ACTIVITIES.name))
    assert await province_counts(engine) == {"61": 5}
    async with engine.connect() as connection:
        outbox = (await connection.execute(select(recorder.tables.outbox))).all()
    assert len(outbox) == 1 and outbox[0].topic == DEAD_LETTERS.name
    assert b"cannot apply this event" in outbox[0].headers.encode()


class FailingTimes(OverviewProjection):
    """The overview, except that applying one event raises its first ``times`` tries."""

    def __init__(self, failing: str, times: int) -> None:
        self.failing = failing
        self.left = times
        self.tries = 0

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        if any(d.envelope.id == self.failing for d in deliveries):
            self.tries += 1
            if self.left > 0:
                self.left -= 1
                raise ValueError("not yet")
        super().apply(connection, deliveries)


class Policy:
    """An apply-error policy giving ``answers`` in turn (the last one repeated), noting what it was asked."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[Exception, Delivery]] = []

    def __call__(self, exc: Exception, delivery: Delivery) -> bool:
        self.calls.append((exc, delivery))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


async def dead_letters_in_outbox(engine: AsyncEngine, recorder: Recorder) -> int:
    o = recorder.tables.outbox
    async with engine.connect() as connection:
        return int(
            await connection.scalar(select(func.count()).select_from(o).where(o.c.topic == DEAD_LETTERS.name)) or 0
        )


async def test_the_default_policy_dead_letters_a_failing_event_and_goes_on(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    envelopes = [activity_registered() for _ in range(3)]
    await log.publish([message(e) for e in envelopes])
    projection = FailingTimes(envelopes[1].id, times=2)  # in the batch, then alone
    runtime = ConsumerRuntime(engine, recorder, log, projection)  # no policy given: today's behaviour

    await runtime.process(await read_all(log, ACTIVITIES.name))

    assert projection.tries == 2  # never tried again, although it would apply now
    assert await province_counts(engine) == {"61": 2}
    assert await dead_letters_in_outbox(engine, recorder) == 1


async def test_a_policy_answering_false_is_asked_with_the_error_and_the_event(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    envelopes = [activity_registered() for _ in range(3)]
    await log.publish([message(e) for e in envelopes])
    policy = Policy(False)
    runtime = ConsumerRuntime(engine, recorder, log, FailingOn({envelopes[2].id}), on_apply_error=policy)

    await runtime.process(await read_all(log, ACTIVITIES.name))

    [(exc, delivery)] = policy.calls
    assert isinstance(exc, ValueError) and str(exc) == "cannot apply this event"
    assert delivery.envelope.id == envelopes[2].id
    assert await dead_letters_in_outbox(engine, recorder) == 1
    assert runtime.applied == 2


async def test_a_policy_answering_true_retries_the_batch_until_the_event_applies(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    envelopes = [activity_registered() for _ in range(4)]
    await log.publish([message(e) for e in envelopes])
    projection = FailingTimes(envelopes[2].id, times=4)  # each round fails twice: in the batch, then alone
    policy = Policy(True)
    runtime = ConsumerRuntime(engine, recorder, log, projection, on_apply_error=policy)

    await runtime.process(await read_all(log, ACTIVITIES.name))

    assert len(policy.calls) == 2  # two rounds failed and were retried; the third applied the batch whole
    assert projection.tries == 5
    assert await dead_letters_in_outbox(engine, recorder) == 0
    assert await province_counts(engine) == {"61": 4}  # a retried batch was rolled back: nothing counted twice
    assert runtime.applied == 4


async def test_a_policy_may_retry_then_give_up_and_dead_letter(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    envelopes = [activity_registered() for _ in range(3)]
    await log.publish([message(e) for e in envelopes])
    policy = Policy(True, False)
    runtime = ConsumerRuntime(engine, recorder, log, FailingOn({envelopes[0].id}), on_apply_error=policy)

    await runtime.process(await read_all(log, ACTIVITIES.name))

    assert [d.envelope.id for _, d in policy.calls] == [envelopes[0].id, envelopes[0].id]
    assert await dead_letters_in_outbox(engine, recorder) == 1
    assert await province_counts(engine) == {"61": 2}


class FlakyOnce(OverviewProjection):
    """The overview, but the database is 'unavailable' on the first attempt."""

    def __init__(self) -> None:
        self.attempts = 0

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise StoreUnavailable("database is locked")
        super().apply(connection, deliveries)


async def test_transient_errors_are_retried(engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder) -> None:
    await log.publish([message(activity_registered()) for _ in range(3)])
    projection = FlakyOnce()
    runtime = ConsumerRuntime(engine, recorder, log, projection)
    await runtime.process(await read_all(log, ACTIVITIES.name))
    assert projection.attempts == 2
    assert await province_counts(engine) == {"61": 3}


async def test_losing_the_database_is_retried_without_asking_the_policy(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    await log.publish([message(activity_registered()) for _ in range(3)])
    projection, policy = FlakyOnce(), Policy(False)
    runtime = ConsumerRuntime(engine, recorder, log, projection, on_apply_error=policy)
    await runtime.process(await read_all(log, ACTIVITIES.name))
    assert policy.calls == []
    assert projection.attempts == 2
    assert await province_counts(engine) == {"61": 3}


async def test_run_applies_live_events_commits_offsets_and_stops(
    engine: AsyncEngine, log: EmbeddedLog, recorder: Recorder
) -> None:
    runtime = ConsumerRuntime(engine, recorder, log, OverviewProjection(), poll_timeout_ms=20)
    task = asyncio.create_task(runtime.run())
    await log.publish([message(activity_registered()) for _ in range(10)])
    async with asyncio.timeout(20):
        while runtime.applied < 10:
            await asyncio.sleep(0.02)
    runtime.stop()
    await asyncio.wait_for(task, 10)
    # A new member of the same group starts after the committed offsets: nothing left to read.
    async with log.subscribe(runtime.group, [ACTIVITIES.name]) as subscription:
        assert await subscription.poll(100, 50) == []
