"""Two outbox relays on one PostgreSQL outbox never publish one key out of order (shared/store/relay.py).

The relay lock is a session advisory lock, and a session can end (the database restarts) or lose
its locks (a pooler resets it) while its relay is in the middle of a batch. These tests run two
relays against one outbox on a server of their own, make exactly that happen, and read the log:
each key's versions must come out in order, with a repeat only as a replay that catches up again
(at-least-once allows a batch to go twice, never an old version to land last).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.postgres import EmbeddedPostgres, create_database
from services.registration.adapters.tables import metadata
from shared.bus import Bus, Message, Record, Subscription, TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.events import from_record, to_message
from shared.store import BackboneTables, GroupCommitter, OutboxRelay, Recorder, StoreError, create_engine
from shared.store.migrations import migrate
from tests.contract.store_support import BOUND, MIGRATIONS, TOPIC, appending, event, new_id, read_log
from tests.fixtures.faults import resume_postgres, stop_postgres

AGGREGATES = 8
LEASE_S = 1.0  # short, so the test does not wait long; the relay's defaults are in ServiceSettings
TAKEOVER_S = 2.0


class HeldBus(Bus):
    """A real embedded log behind a gate: with ``held`` set, the next publish waits until ``release``.

    It stands for a relay that stalls between checking its lock and publishing (a long pause, a
    broker that answers late). ``sent`` holds every message this bus handed on to the log.
    """

    def __init__(self, log: EmbeddedLog, *, held: bool = False) -> None:
        self.log = log
        self.held = held
        self.stalled = asyncio.Event()  # a publish is waiting at the gate
        self.settled = asyncio.Event()  # the stalled publish ended, one way or another
        self.sent: list[Message] = []
        self._gate = asyncio.Event()

    def release(self) -> None:
        self._gate.set()

    async def start(self) -> None:
        await self.log.start()

    async def stop(self) -> None:
        await self.log.stop()

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        await self.log.ensure_topics(topics)

    async def publish(self, messages: Sequence[Message]) -> None:
        if self.held:  # only the first publish is held
            self.held = False
            self.stalled.set()
            try:
                await self._gate.wait()
                await self.log.publish(messages)
                self.sent.extend(messages)
            finally:
                self.settled.set()
            return
        await self.log.publish(messages)
        self.sent.extend(messages)

    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return self.log.subscribe(group, topics)

    async def ping(self) -> None:
        await self.log.ping()


def out_of_order(records: Sequence[Record]) -> dict[str, list[int]]:
    """Keys whose versions, in log order, go wrong: each record may follow the one before it or go
    back (a batch published again, as at-least-once allows), never skip ahead of it, and the last
    record of a key must be its newest version (no old batch landing after a newer one).
    """
    by_key: dict[str, list[int]] = defaultdict(list)
    for record in records:
        envelope = from_record(record)
        assert envelope.sequence is not None
        by_key[envelope.subject or ""].append(envelope.sequence)
    wrong: dict[str, list[int]] = {}
    for key, versions in by_key.items():
        skips = any(later > earlier + 1 for earlier, later in zip([0, *versions], versions, strict=False))
        if skips or versions[-1] != max(versions):
            wrong[key] = versions
    return wrong


def test_the_order_check_tells_a_replay_from_a_stale_batch() -> None:
    """The checker itself, on hand-made logs, so a test relying on it cannot pass by a broken check."""

    def log_of(*versions: int) -> list[Record]:
        return [
            Record(m.topic, 0, offset, m.key, m.value, m.headers, 0)
            for offset, m in enumerate(to_message(event("k", v), TOPIC) for v in versions)
        ]

    assert out_of_order(log_of(1, 2, 3)) == {}
    assert out_of_order(log_of(1, 2, 1, 2, 3)) == {}
    assert out_of_order(log_of(1, 2, 3, 1, 2, 3)) == {}
    assert out_of_order(log_of(1, 2, 3, 1, 2)) == {"k": [1, 2, 3, 1, 2]}
    assert out_of_order(log_of(1, 3)) == {"k": [1, 3]}
    assert out_of_order(log_of(1, 2, 3, 2)) == {"k": [1, 2, 3, 2]}


@pytest.fixture
def own_postgres() -> Iterator[EmbeddedPostgres]:
    """A server of this module's own: restarting it must not disturb the session's server."""
    server = EmbeddedPostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
async def engine(own_postgres: EmbeddedPostgres) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await create_database(own_postgres, f"relay_{new_id()[:8]}"))
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(BackboneTables(metadata))


@pytest.fixture
async def writer(engine: AsyncEngine, recorder: Recorder) -> AsyncIterator[GroupCommitter]:
    committer = GroupCommitter(engine, recorder)
    await committer.start()
    yield committer
    await committer.stop()


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[EmbeddedLog]:
    log = EmbeddedLog(tmp_path / "bus.db", default_partitions=2)
    await log.start()
    yield log
    await log.stop()


def relay(engine: AsyncEngine, recorder: Recorder, bus: Bus) -> OutboxRelay:
    return OutboxRelay(
        engine, recorder.tables, bus, service="test", idle_interval=0.01, lease_s=LEASE_S, takeover_s=TAKEOVER_S
    )


async def until(condition: object, what: str) -> None:
    """Wait (bounded) until ``condition()`` is true; fail naming ``what`` otherwise."""
    assert callable(condition)
    for _ in range(int(BOUND / 0.02)):
        outcome = condition()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"not within {BOUND} s: {what}")


def published_all(relay: OutboxRelay) -> Callable[[], Awaitable[bool]]:
    async def empty() -> bool:
        try:
            return await relay.backlog() == 0
        except StoreError:  # the database is still coming back
            return False

    return empty


async def write_versions(writer: GroupCommitter, aggregates: Sequence[str], after: int, count: int) -> None:
    for aggregate_id in aggregates:
        await writer.submit(appending(aggregate_id, after, count))


async def stopped(tasks: Sequence[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_relay_stalled_across_a_database_restart_never_lands_an_old_batch_last(
    own_postgres: EmbeddedPostgres, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, log: EmbeddedLog
) -> None:
    """The first relay checks its lock, then stalls before its batch reaches the bus; the database
    restarts (its session and lock are gone); the rows and newer ones are published (by the second
    relay, or by either once it holds the lock again). When the first relay's stalled publish wakes
    up, its old batch must not land after them."""
    aggregates = [new_id() for _ in range(AGGREGATES)]
    await write_versions(writer, aggregates, 0, 2)
    stalled_bus = HeldBus(log, held=True)
    first, second = relay(engine, recorder, stalled_bus), relay(engine, recorder, log)
    running = [asyncio.create_task(first.run())]
    try:
        await asyncio.wait_for(stalled_bus.stalled.wait(), BOUND)
        running.append(asyncio.create_task(second.run()))  # queues for the lock
        await asyncio.to_thread(stop_postgres, own_postgres)
        await asyncio.to_thread(resume_postgres, own_postgres)
        await until(published_all(second), "the rows written before the restart are published")
        await write_versions(writer, aggregates, 2, 2)
        await until(published_all(second), "the rows written after it are published")
        stalled_bus.release()  # the first relay wakes up (if it is still waiting to publish)
        await asyncio.wait_for(stalled_bus.settled.wait(), BOUND)
    finally:
        await stopped(running)

    records = await read_log(log, AGGREGATES * 4)
    assert out_of_order(records) == {}
    for aggregate_id in aggregates:  # every version went out, the newest last
        versions = [from_record(r).sequence for r in records if r.key == aggregate_id.encode()]
        assert set(versions) == {1, 2, 3, 4} and versions[-1] == 4, versions


async def test_a_relay_whose_session_lost_the_lock_stops_publishing(
    engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, log: EmbeddedLog
) -> None:
    """A session can lose its advisory locks and still answer (a pooler's ``DISCARD ALL``, an
    ``pg_advisory_unlock_all``): the relay must notice it no longer holds the lock, not only that
    its session is alive, before publishing beside the replica that took the lock."""
    first_bus, second_bus = HeldBus(log), HeldBus(log, held=True)
    first, second = relay(engine, recorder, first_bus), relay(engine, recorder, second_bus)
    running = [asyncio.create_task(first.run())]
    try:
        await until(lambda: first._holding is not None, "the first relay takes the lock")
        holder = first._holding
        assert holder is not None
        await holder.execute(text("SELECT pg_advisory_unlock_all()"))  # what DISCARD ALL does to the lock
        await holder.commit()
        running.append(asyncio.create_task(second.run()))
        await until(lambda: second._holding is not None, "the second relay takes the freed lock")
        sent_before = len(first_bus.sent)
        await write_versions(writer, [new_id() for _ in range(AGGREGATES)], 0, 2)
        await until(
            lambda: second_bus.stalled.is_set() or len(first_bus.sent) > sent_before, "a relay publishes the rows"
        )
        assert len(first_bus.sent) == sent_before, "a relay without the lock published"
        await until(lambda: first._holding is None, "the first relay notices it lost the lock")
    finally:
        second_bus.release()
        await stopped(running)
