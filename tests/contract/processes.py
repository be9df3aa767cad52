"""Child processes of the multi-process contract (test_store_processes.py, test_bus_processes.py).

Each ``*_child`` function runs in an OS process of its own, started with the ``spawn`` method, so it
shares nothing with the test but the database file (or server) and the embedded log's file. It
builds its own engine, writer, relay or consumer, waits at a barrier so that every process starts
its work at once, does it, and puts its outcome on a queue (:func:`run_processes` collects them).
Nothing here does any I/O at import.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.synchronize import Barrier
from queue import Empty
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, func, select

if TYPE_CHECKING:
    from shared.consumer import Delivery

SPAWN = multiprocessing.get_context("spawn")
# Bounds, not expectations: a child spends most of its time importing the platform (seconds each on
# a loaded 2-core box), and a broken lock must fail the test instead of hanging it.
BARRIER_S = 120.0  # waiting for the other processes to arrive
BUSY_ROWS = 50  # rows in each transaction of busy_child
WORK_S = 150.0  # a child's whole run, its imports included

# A view whose every application is a row of its own: applying an event twice shows as two rows.
APPLIED = Table(
    "contract_applied",
    MetaData(),
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("member", String(32), nullable=False),
)

Child = Callable[..., Awaitable[Any]]


def run_processes(children: Sequence[tuple[Child, tuple[Any, ...]]], timeout_s: float = WORK_S * 2) -> list[Any]:
    """Run each ``(child, args)`` in a spawned process, all released together; return their results in order.

    Each child is called as ``child(barrier, *args)`` and must call ``barrier.wait()`` once it is set up.
    A child that raises fails the caller with the child's traceback; one that does not answer within
    ``timeout_s`` is killed and fails it too.
    """
    barrier = SPAWN.Barrier(len(children))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_child_main, args=(index, child, barrier, args, results), daemon=True)
        for index, (child, args) in enumerate(children)
    ]
    for process in processes:
        process.start()
    answers: dict[int, tuple[bool, Any]] = {}
    deadline = time.monotonic() + timeout_s
    try:
        while len(answers) < len(processes):
            try:
                index, ok, value = results.get(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
            except Empty:
                if time.monotonic() >= deadline:
                    raise AssertionError(f"child processes did not answer within {timeout_s:g} s") from None
                dead = [p for i, p in enumerate(processes) if i not in answers and p.exitcode not in (None, 0)]
                if dead:
                    raise AssertionError(
                        f"a child process died without an answer (exit code {dead[0].exitcode})"
                    ) from None
                continue
            answers[index] = (ok, value)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
    failures = [value for ok, value in answers.values() if not ok]
    if failures:
        raise AssertionError("a child process failed:\n" + "\n".join(failures))
    return [answers[i][1] for i in range(len(processes))]


def _child_main(index: int, child: Child, barrier: Barrier, args: tuple[Any, ...], results: Any) -> None:
    try:
        value = asyncio.run(asyncio.wait_for(child(barrier, *args), WORK_S))
    except BaseException:
        barrier.abort()  # the others must not wait for this one
        results.put((index, False, traceback.format_exc()))
    else:
        results.put((index, True, value))


def _arrive(barrier: Barrier) -> None:
    barrier.wait(BARRIER_S)


def hold_relay_lock_child(path: str, holding: Any) -> None:
    """Take the relay lock at ``path``, say so, and hold it until this process is killed."""
    import threading
    from pathlib import Path

    from shared.store.relay import FileLock

    if not FileLock(Path(path)).try_acquire():
        raise RuntimeError(f"{path} is held already")
    holding.set()
    threading.Event().wait()  # until killed


async def _writer(url: str) -> Any:
    from services.registration.adapters.tables import metadata
    from shared.store import BackboneTables, GroupCommitter, Recorder, create_engine

    engine = create_engine(url)
    recorder = Recorder(BackboneTables(metadata))
    writer = GroupCommitter(engine, recorder)
    await writer.start()
    return engine, recorder, writer


async def commit_child(barrier: Barrier, url: str, name: str, own: int, shared_id: str, in_turn: int) -> dict[str, int]:
    """Commit ``own`` one-event aggregates of this process's own, all at once (the writer groups them);
    then append once to ``shared_id`` at version 0 (every process does: one wins); then append
    ``in_turn`` events to it as a client would (load, submit, after a conflict load again)."""
    from shared.store import ConcurrencyError
    from tests.contract.store_support import appending, write_in_turn

    engine, recorder, writer = await _writer(url)
    try:
        _arrive(barrier)
        await asyncio.gather(*(writer.submit(appending(f"{name}-{n}", 0, by=name)) for n in range(own)))
        try:
            await writer.submit(appending(shared_id, 0, by=f"{name}-first"))
            first = 1
        except ConcurrencyError:
            first = 0
        await write_in_turn(engine, writer, recorder, shared_id, name, in_turn)
        return {"won_first": first}
    finally:
        await writer.stop()
        await engine.dispose()


async def claim_child(barrier: Barrier, url: str, name: str, scope: str, key: str) -> bool:
    """Claim one Idempotency-Key with a command of this process's own; True where this claim won."""
    from shared.store import IntegrityViolation
    from shared.web.idempotency import IdempotencyKeys, IdempotentRequest
    from tests.contract.store_support import appending

    engine, recorder, writer = await _writer(url)
    keys = IdempotencyKeys(engine, recorder.tables)
    try:
        changes = appending(name, 0, by=name)
        changes.inserts.append(keys.claim(IdempotentRequest(scope, key, "same body")))
        _arrive(barrier)
        try:
            await writer.submit(changes)
        except IntegrityViolation:
            return False
        return True
    finally:
        await writer.stop()
        await engine.dispose()


async def relay_child(barrier: Barrier, url: str, bus_path: str, name: str, count: int, batch_size: int) -> int:
    """Write ``count`` events while this process's relay runs beside the other processes' relays, then
    relay until the outbox is empty; return how many rows this relay published."""
    from shared.bus.embedded import EmbeddedLog
    from shared.store import OutboxRelay
    from tests.contract.store_support import appending

    engine, recorder, writer = await _writer(url)
    log = EmbeddedLog(bus_path, default_partitions=1)
    await log.start()
    relay = OutboxRelay(engine, recorder.tables, log, service="contract", batch_size=batch_size, takeover_s=0.2)
    published = 0
    real_relay_once = relay.relay_once

    async def counted() -> int:
        nonlocal published
        done = await real_relay_once()
        published += done
        return done

    relay.relay_once = counted  # type: ignore[method-assign]
    try:
        _arrive(barrier)
        running = asyncio.create_task(relay.run())
        await asyncio.gather(*(writer.submit(appending(f"{name}-{n}", 0, by=name)) for n in range(count)))
        _arrive(barrier)  # every process has written everything
        while await relay.backlog():
            if running.done():
                running.result()  # the relay's end, with its error
            await asyncio.sleep(0.05)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        return published
    finally:
        await writer.stop()
        await log.stop()
        await engine.dispose()


class CountingView:
    """A view that writes one row per event it applies, naming the process that applied it."""

    name = "contract.processes"

    def __init__(self, topic: str, member: str) -> None:
        self.topics = (topic,)
        self.member = member

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            connection.execute(
                APPLIED.insert(), [{"event_id": d.envelope.id, "member": self.member} for d in deliveries]
            )


async def consume_child(barrier: Barrier, url: str, bus_path: str, topic: str, name: str, expected: int) -> int:
    """Consume ``topic`` as a member of one group beside the other processes until the view holds
    ``expected`` distinct events; return how many this member applied."""
    from services.registration.adapters.tables import metadata
    from shared.bus.embedded import EmbeddedLog
    from shared.consumer import ConsumerRuntime
    from shared.store import BackboneTables, Recorder, create_engine, reading

    engine = create_engine(url)
    log = EmbeddedLog(bus_path, default_partitions=4, session_timeout_ms=2000)
    await log.start()
    consumer = ConsumerRuntime(engine, Recorder(BackboneTables(metadata)), log, CountingView(topic, name), batch_size=7)
    distinct = select(func.count(APPLIED.c.event_id.distinct()))
    try:
        _arrive(barrier)
        running = asyncio.create_task(consumer.run())
        while await reading(engine, lambda connection: connection.scalar(distinct)) < expected:
            if running.done():
                running.result()
            await asyncio.sleep(0.05)
        consumer.stop()
        await running
        return consumer.applied
    finally:
        await log.stop()
        await engine.dispose()


def open_bus(spec: tuple[str, str]) -> Any:
    """The bus a child reaches: ``("embedded", path)`` or ``("kafka", bootstrap)`` (tansu's short timeouts)."""
    kind, where = spec
    if kind == "embedded":
        from shared.bus.embedded import EmbeddedLog

        return EmbeddedLog(where, default_partitions=2)
    from shared.bus.kafka import KafkaBus

    return KafkaBus(
        where, default_partitions=2, fetch_max_wait_ms=10, session_timeout_ms=2_000, heartbeat_interval_ms=400
    )


async def publish_child(
    barrier: Barrier, bus_spec: tuple[str, str], topic: str, name: str, count: int, batch: int, total: int
) -> list[tuple[int, int, bytes | None, bytes]]:
    """Publish ``count`` messages (keyed ``name``-0…3, in batches of ``batch``) to one bus while reading
    it as a group of this process's own, until ``total`` records (everyone's) are read; return what
    was read: (partition, offset, key, value) in the order it came."""
    from shared.bus import Message

    bus = open_bus(bus_spec)
    await bus.start()
    read: list[tuple[int, int, bytes | None, bytes]] = []
    try:
        subscription = bus.subscribe(f"reader-{name}", [topic])
        await subscription.start()
        _arrive(barrier)

        async def publish() -> None:
            for start in range(0, count, batch):
                await bus.publish(
                    [
                        Message(topic, f"{name}-{n % 4}".encode(), f"{name}:{n}".encode())
                        for n in range(start, start + batch)
                    ]
                )

        publishing = asyncio.create_task(publish())
        while len(read) < total:
            for record in await subscription.poll(500, 50):
                read.append((record.partition, record.offset, record.key, record.value))
        await publishing
        read.extend((r.partition, r.offset, r.key, r.value) for r in await subscription.poll(500, 50))
        await subscription.stop()
        return read
    finally:
        await bus.stop()


async def open_child(barrier: Barrier, paths: Sequence[str]) -> int:
    """Open each of ``paths`` (new SQLite files) as the store opens a file, at the same moment as the
    other processes, one file per round, and read from it; return how many opened. (Synchronously,
    as the store's twin opens it: no thread hand-off blurs the moment.)"""
    from sqlalchemy import create_engine, text

    from shared.store.engine import _configure_sqlite

    opened = 0
    for path in paths:
        engine = create_engine(f"sqlite:///{path}")
        _configure_sqlite(engine)
        try:
            _arrive(barrier)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            opened += 1
        finally:
            engine.dispose()
    return opened


async def busy_child(barrier: Barrier, url: str, name: str, seconds: float, writers: int, done: Any = None) -> int:
    """Run ``writers`` writers that commit back to back (a background role behind a backlog: relay and
    consumers one after the other) for ``seconds`` or until ``done`` (an Event) is set; return how
    many transactions this process committed (each of ``BUSY_ROWS`` rows)."""
    from sqlalchemy import insert

    from shared.store import create_engine, sync_transaction

    rows = [{"event_id": f"{name}-{n}", "member": name} for n in range(BUSY_ROWS)]

    def commit(connection: Connection) -> None:
        connection.execute(insert(APPLIED), rows)

    engine = create_engine(url)
    try:
        _arrive(barrier)
        until = time.monotonic() + seconds

        async def writer() -> int:
            committed = 0
            while time.monotonic() < until and not (done is not None and done.is_set()):
                await sync_transaction(engine, commit)
                committed += 1
            return committed

        return sum(await asyncio.gather(*(writer() for _ in range(writers))))
    finally:
        await engine.dispose()


async def sparse_child(
    barrier: Barrier, url: str, name: str, writes: int, busy_timeout_ms: int, done: Any
) -> dict[str, int]:
    """Commit one row ``writes`` times, 10 ms apart (requests beside a busy background role), with
    SQLite's busy timeout cut to ``busy_timeout_ms``; then set ``done``. Return how many committed
    and how many failed (the store's StoreUnavailable: "database is locked")."""
    from sqlalchemy import event, insert

    from shared.store import StoreUnavailable, create_engine, sync_transaction
    from shared.store.engine import _sqlite_twin

    engine = create_engine(url)
    twin = _sqlite_twin(engine)
    if twin is not None:  # the connection that waits for SQLite's lock: wait less

        @event.listens_for(twin._threaded, "connect")
        def _short_timeout(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    outcome = {"committed": 0, "failed": 0}
    try:
        _arrive(barrier)
        await asyncio.sleep(0.2)  # the others are writing
        for n in range(writes):
            row = {"event_id": f"{name}-{n}", "member": name}

            def commit(connection: Connection, row: dict[str, str] = row) -> None:
                connection.execute(insert(APPLIED), [row])

            try:
                await sync_transaction(engine, commit)
            except StoreUnavailable:
                outcome["failed"] += 1
            else:
                outcome["committed"] += 1
            await asyncio.sleep(0.01)
        return outcome
    finally:
        done.set()
        await engine.dispose()
