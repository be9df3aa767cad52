"""The store contract across OS processes: several processes on one database (see store_support.py).

A service may run as several processes on one database: N API workers, each with its own group-commit
writer, beside one background process with the relay and the consumers (and on PostgreSQL, replicas
of each). On SQLite they share one file. These tests start real processes (``spawn``, see
processes.py), release them together at a barrier and check what they left in the database and on
the embedded log: every event stored once with gapless versions, a conflict raised where two
processes append the same version, no "database is locked" reaching a caller, one winner per
Idempotency-Key, every outbox row published exactly once by racing relays, no event applied twice by
two members of one consumer group, no process starving another of the file (migrations run by every
process at once: test_migrations.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus.embedded import EmbeddedLog
from shared.events import from_record, to_message
from shared.store import GroupCommitter, OutboxRelay, Recorder
from shared.store.relay import FileLock
from tests.contract import processes
from tests.contract.store_support import (
    BOUND,
    TOPIC,
    OnPostgres,
    OnSQLite,
    StoreFixtures,
    appending,
    count_rows,
    event,
    load,
    new_id,
    read_log,
)

PROCESSES = 4  # writers
CLAIMANTS = 2
OWN = 60  # one-event aggregates each process commits at once
IN_TURN = 5  # events each process appends to the one aggregate they all write
NEW_FILES = 30  # new SQLite files the processes open at once, one after the other
BUSY_S = 3.0  # how long the processes of the fairness test write


async def in_processes(*children: tuple[processes.Child, tuple[Any, ...]]) -> list[Any]:
    return await asyncio.to_thread(processes.run_processes, children)


class ProcessesContract(StoreFixtures):
    """What every backend must do for several processes writing one database at once."""

    async def test_writers_in_several_processes_store_every_event_once_and_raise_conflicts(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder
    ) -> None:
        shared_id = new_id()
        names = [f"p{n}" for n in range(PROCESSES)]
        outcomes = await in_processes(
            *((processes.commit_child, (database_url, name, OWN, shared_id, IN_TURN)) for name in names)
        )

        # the first append at version 0: one process won, every other one heard a ConcurrencyError
        assert sum(outcome["won_first"] for outcome in outcomes) == 1
        stored = await load(engine, recorder, shared_id)
        first = stored[0].data["changes"]["by"]
        assert first in {f"{name}-first" for name in names}
        # then every process's every append, versions 1, 2, 3… without a gap (none lost, none twice)
        rest = [e for e in stored if e.sequence > 1]
        assert [e.sequence for e in rest] == list(range(2, PROCESSES * IN_TURN + 2))
        assert sorted(e.data["changes"]["by"] for e in rest) == sorted(
            f"{name}-{n}" for name in names for n in range(IN_TURN)
        )
        for name in names:
            for n in range(OWN):
                assert [e.sequence for e in await load(engine, recorder, f"{name}-{n}")] == [1]
        events = PROCESSES * OWN + 1 + PROCESSES * IN_TURN
        assert await count_rows(engine, recorder.tables.events) == events
        assert await count_rows(engine, recorder.tables.outbox) == events  # one outbox row per event

    async def test_one_idempotency_key_claimed_in_several_processes_has_one_winner(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder
    ) -> None:
        names = [new_id() for _ in range(CLAIMANTS)]
        won = await in_processes(
            *((processes.claim_child, (database_url, name, "POST /things", "key-1")) for name in names)
        )

        assert won.count(True) == 1
        winner = names[won.index(True)]
        # the loser's command wrote nothing: its events and the claim exist together or not at all
        assert [len(await load(engine, recorder, name)) for name in names] == [int(name == winner) for name in names]
        assert await count_rows(engine, recorder.tables.idempotency_keys) == 1

    async def test_relays_in_two_processes_publish_every_row_exactly_once(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder, tmp_path: Path
    ) -> None:
        bus_path = tmp_path / "bus.db"
        names = ["relay-a", "relay-b"]
        count = 300
        published = await in_processes(
            *((processes.relay_child, (database_url, str(bus_path), name, count, 20)) for name in names)
        )

        assert sum(published) == len(names) * count
        assert await count_rows(engine, recorder.tables.outbox, recorder.tables.outbox.c.published_at.is_(None)) == 0
        log = EmbeddedLog(bus_path, default_partitions=1)
        await log.start()
        try:
            records = await read_log(log, len(names) * count)
        finally:
            await log.stop()
        ids = Counter(from_record(r).subject for r in records)
        assert sorted(ids) == sorted(f"{name}-{n}" for name in names for n in range(count))
        assert set(ids.values()) == {1}, f"published twice: {[i for i, c in ids.items() if c > 1][:5]}"

    async def test_two_processes_in_one_consumer_group_apply_each_event_once(
        self, database_url: str, engine: AsyncEngine, tmp_path: Path
    ) -> None:
        async with engine.begin() as connection:
            await connection.run_sync(processes.APPLIED.metadata.create_all)
        bus_path = tmp_path / "bus.db"
        count = 400
        log = EmbeddedLog(bus_path, default_partitions=4)
        await log.start()
        try:
            await log.publish([to_message(event(new_id(), 1), TOPIC) for _ in range(count)])
        finally:
            await log.stop()

        applied = await in_processes(
            *((processes.consume_child, (database_url, str(bus_path), TOPIC, name, count)) for name in ("c-a", "c-b"))
        )

        async with engine.connect() as connection:
            rows = (await connection.execute(select(processes.APPLIED.c.event_id))).scalars().all()
        twice = [event_id for event_id, times in Counter(rows).items() if times > 1]
        assert not twice, f"{len(twice)} events applied twice"
        assert len(rows) == count
        assert sum(applied) == count

    async def test_a_process_whose_writers_never_pause_does_not_starve_another(
        self, database_url: str, engine: AsyncEngine
    ) -> None:
        """Two processes, each with three writers committing back to back: each gets a fair share of
        the commits. (On SQLite, before write turns, the process that held the file handed it from one
        of its writers to the next and the other got ~9 % of the commits; an api worker beside a busy
        background role waited out SQLite's 30 s busy timeout.)"""
        async with engine.begin() as connection:
            await connection.run_sync(processes.APPLIED.metadata.create_all)

        committed = await in_processes(
            *((processes.busy_child, (database_url, name, BUSY_S, 3)) for name in ("busy-a", "busy-b"))
        )

        assert min(committed) >= 0.25 * sum(committed), f"commits per process: {committed}"
        async with engine.connect() as connection:
            rows = (await connection.execute(select(processes.APPLIED.c.member))).scalars().all()
        rows_each = processes.BUSY_ROWS
        assert Counter(rows) == {"busy-a": rows_each * committed[0], "busy-b": rows_each * committed[1]}


class TestProcessesOnSQLite(OnSQLite, ProcessesContract):
    async def test_a_relay_waiting_for_the_files_relay_lock_relays_once_its_holder_stops(
        self, database_url: str, engine: AsyncEngine, recorder: Recorder, writer: GroupCommitter, log: EmbeddedLog
    ) -> None:
        probe = FileLock(Path(database_url.removeprefix("sqlite+aiosqlite:///") + "-relay.lock"))
        first, second = (OutboxRelay(engine, recorder.tables, log, service="contract", takeover_s=0.2) for _ in "ab")
        holder = asyncio.create_task(first.run())
        await until(lambda: not probe.try_acquire() or probe.release())  # the first relay holds the lock
        waiting = asyncio.create_task(second.run())
        try:
            await writer.submit(appending(new_id(), 0))
            await until_published(first)
            holder.cancel()
            await asyncio.gather(holder, return_exceptions=True)
            await writer.submit(appending(new_id(), 0))
            await until_published(second)  # the second relay took the lock over
            assert not waiting.done()
        finally:
            for task in (holder, waiting):
                task.cancel()
            await asyncio.gather(holder, waiting, return_exceptions=True)
        assert len(await read_log(log, 2)) == 2
        assert probe.try_acquire()  # a stopped relay gives its lock back
        probe.release()

    async def test_a_writer_beside_a_busy_process_waits_for_its_turn_not_for_sqlites_busy_timeout(
        self, database_url: str, engine: AsyncEngine
    ) -> None:
        """A process whose three writers commit back to back, and another committing a row now and
        then with SQLite's busy timeout cut to 100 ms: every write of the second commits. It waits for
        its turn (a lock the kernel hands over), never in SQLite's polling; before write turns such a
        writer waited 1.5–2.5 s at p99 (bench.write_turns) and here would fail with "database is locked"."""
        async with engine.begin() as connection:
            await connection.run_sync(processes.APPLIED.metadata.create_all)
        done = processes.SPAWN.Event()

        _, sparse = await in_processes(
            (processes.busy_child, (database_url, "busy", 60.0, 3, done)),
            (processes.sparse_child, (database_url, "sparse", 80, 100, done)),
        )

        assert sparse == {"committed": 80, "failed": 0}

    async def test_the_relay_lock_of_a_process_killed_holding_it_is_free_at_once(self, tmp_path: Path) -> None:
        path = tmp_path / "store.db-relay.lock"
        holding = processes.SPAWN.Event()
        holder = processes.SPAWN.Process(target=processes.hold_relay_lock_child, args=(str(path), holding), daemon=True)
        holder.start()
        probe = FileLock(path)
        try:
            assert await asyncio.to_thread(holding.wait, processes.BARRIER_S), "the child never took the lock"
            assert not probe.try_acquire()
            holder.kill()  # SIGKILL: no release, no clean-up; the OS drops its locks with the process
            await asyncio.to_thread(holder.join, BOUND)
            assert probe.try_acquire()
        finally:
            probe.release()
            if holder.is_alive():
                holder.kill()
                holder.join()


async def test_processes_opening_a_new_sqlite_file_at_once_all_open_it(tmp_path: Path) -> None:
    """Every process switches a new file to WAL as it opens it; SQLite refuses the second of two
    switches at once with "database is locked", without waiting. Raced on many new files, once each
    (before the store waited for the other's switch, about one round in five failed so)."""
    paths = [str(tmp_path / f"new-{n}.db") for n in range(NEW_FILES)]

    opened = await in_processes(*((processes.open_child, (paths,)) for _ in range(PROCESSES)))

    assert opened == [NEW_FILES] * PROCESSES


async def until(done: Callable[[], object]) -> None:
    async with asyncio.timeout(BOUND):
        while not done():
            await asyncio.sleep(0.01)


async def until_published(relay: OutboxRelay) -> None:
    async with asyncio.timeout(BOUND):  # TimeoutError: the outbox was not relayed
        while await relay.backlog():
            await asyncio.sleep(0.02)


class TestProcessesOnPostgres(OnPostgres, ProcessesContract):
    pass
