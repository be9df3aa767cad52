"""The store contract across OS processes: several processes on one database (see store_support.py).

A service may run as several processes on one database: N API workers, each with its own group-commit
writer, beside one background process with the relay and the consumers (and on PostgreSQL, replicas
of each). On SQLite they share one file. These tests start real processes (``spawn``, see
processes.py), release them together at a barrier and check what they left in the database and on
the embedded log: every event stored once with gapless versions, a conflict raised where two
processes append the same version, no "database is locked" reaching a caller, one winner per
Idempotency-Key, every outbox row published exactly once by racing relays, no event applied twice by
two members of one consumer group, and migrations run by every process at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import Recorder
from tests.contract import processes
from tests.contract.store_support import (
    OnPostgres,
    OnSQLite,
    StoreFixtures,
    count_rows,
    load,
    new_id,
)

PROCESSES = 4
OWN = 60  # one-event aggregates each process commits at once
IN_TURN = 8  # events each process appends to the one aggregate they all write


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
        names = [new_id() for _ in range(PROCESSES)]
        won = await in_processes(
            *((processes.claim_child, (database_url, name, "POST /things", "key-1")) for name in names)
        )

        assert won.count(True) == 1
        winner = names[won.index(True)]
        # the loser's command wrote nothing: its events and the claim exist together or not at all
        assert [len(await load(engine, recorder, name)) for name in names] == [int(name == winner) for name in names]
        assert await count_rows(engine, recorder.tables.idempotency_keys) == 1


class TestProcessesOnSQLite(OnSQLite, ProcessesContract):
    pass


class TestProcessesOnPostgres(OnPostgres, ProcessesContract):
    pass
