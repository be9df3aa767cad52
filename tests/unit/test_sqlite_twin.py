"""Synchronous write transactions on a SQLite file (``shared.store.sync_transaction``): one call on the
loop's thread when the file is free; when another process holds the write lock, a wait on a thread
of its own that leaves the event loop serving; errors in the store's vocabulary; the twin goes with
its engine."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import IntegrityViolation, create_engine, sync_reading, sync_transaction
from shared.store.engine import _TWINS

metadata = MetaData()
numbers = Table("numbers", metadata, Column("n", Integer, primary_key=True))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'twin.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def insert(*values: int) -> Callable[[Connection], int]:
    def work(connection: Connection) -> int:
        connection.execute(numbers.insert(), [{"n": n} for n in values])
        return threading.get_ident()

    return work


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(numbers)) or 0)


async def test_a_free_file_is_written_on_the_loops_thread(engine: AsyncEngine) -> None:
    thread = await sync_transaction(engine, insert(1, 2, 3))
    assert thread == threading.get_ident()
    assert await count(engine) == 3


async def test_a_lock_held_elsewhere_is_waited_for_off_the_loop(engine: AsyncEngine, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "twin.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer, as far as SQLite can tell
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    writing = asyncio.create_task(sync_transaction(engine, insert(7)))
    await asyncio.sleep(0.3)
    assert not writing.done()
    assert ticks >= 10  # the loop kept serving while the write waited
    other.execute("COMMIT")
    other.close()
    thread = await asyncio.wait_for(writing, 10)
    ticker.cancel()
    assert thread != threading.get_ident()
    assert await count(engine) == 1


async def test_a_failed_transaction_writes_nothing_and_speaks_the_stores_language(engine: AsyncEngine) -> None:
    await sync_transaction(engine, insert(1))
    with pytest.raises(IntegrityViolation):
        await sync_transaction(engine, insert(2, 1))
    assert await count(engine) == 1


async def test_the_twin_is_disposed_with_its_engine(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await sync_transaction(engine, insert(1))
    assert engine.sync_engine in _TWINS
    await engine.dispose()
    assert engine.sync_engine not in _TWINS
    assert not any(t.name.startswith("sqlite-writer") for t in threading.enumerate())


async def test_a_read_runs_inline_on_a_snapshot_while_another_writer_holds_the_lock(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await sync_transaction(engine, insert(1, 2))
    other = sqlite3.connect(tmp_path / "twin.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO numbers VALUES (3)")  # not committed: invisible to the read

    def read(connection: Connection) -> tuple[int, int]:
        return int(connection.scalar(select(func.count()).select_from(numbers)) or 0), threading.get_ident()

    counted, thread = await sync_reading(engine, read)
    other.execute("ROLLBACK")
    other.close()
    assert (counted, thread) == (2, threading.get_ident())
