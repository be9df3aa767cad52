"""Synchronous write transactions on a SQLite file, run where they cost least.

An async transaction on aiosqlite sends every statement to the driver's thread and waits for the
event loop to come back to it; under load each such wait is a whole turn of a busy loop, and on
SQLite every one of them is spent holding the file's only write lock. Measured on the registration
write path: a group commit of 30 registrations held the lock for 40–90 ms, of which well under a
tenth was SQLite's work. Sending the whole transaction to a thread in one call is not enough either:
the thread then waits for the GIL after every statement (a 5 ms switch interval at a time).

So a :class:`SqliteTwin` runs the transaction (and hot reads, :meth:`SqliteTwin.read`) *on the loop's thread*, in one synchronous call, on a
connection that never waits for the lock (``timeout=0``): a few milliseconds of work that would
need the GIL anyway. Only when another process holds the lock does the transaction go to a thread
of its own, which waits as long as the service's usual busy timeout.

Processes writing the same file (an api role's workers, the background role) first take turns at
file locks beside it (:class:`~.write_turns.WriteTurns`). SQLite's own busy handler polls, sleeping
1, 2, 5 … 100 ms between tries, so a writer in one process could wait 30 s and fail while another
process's writers, queued one after the other, held the file almost without a break (a province's
recommendation behind review's consumers in the national season); a writer waiting for its turn is
woken by the kernel the moment the holder lets go, and nobody takes the file past it while it waits.
SQLite's lock still decides: a writer that does not take turns (an async transaction, another tool)
is waited for as before. The loop's connection never runs a checkpoint (its fsyncs would stall the
loop): after commits, a passive checkpoint runs on the thread, one at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from .write_turns import WriteTurns

T = TypeVar("T")

CHECKPOINT_INTERVAL_S = 1.0


class SqliteTwin:
    """Synchronous engines on the same SQLite file as an async engine, and the thread they may use."""

    def __init__(self, url: URL, configure: Callable[[Engine], None]) -> None:
        sync_url = url.set(drivername="sqlite")
        self._inline = create_sync_engine(sync_url)
        self._threaded = create_sync_engine(sync_url, connect_args={"timeout": 30})
        for engine in (self._inline, self._threaded):
            configure(engine)
        event.listen(self._inline, "connect", _never_wait)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._checkpoint: Future[None] | None = None
        self._checkpointed_at = time.monotonic()
        database = str(url.database)  # a file: the engine has no twin otherwise (engine._sqlite_twin)
        self._turns = None if database.startswith("file:") else WriteTurns(database)

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction (the caller holds the process's write lock)."""
        if self._turns is None or self._turns.try_take():
            try:
                result = _immediate(self._inline, work, inline=True)
            except _Busy:
                pass  # SQLite's lock is held by a writer that does not take turns: wait on the thread
            else:
                self._maybe_checkpoint()
                return result
            finally:
                if self._turns is not None:
                    self._turns.release()
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._waiting, work)

    def _waiting(self, work: Callable[[Connection], T]) -> T:
        """On the thread: wait for the turn (woken when it is let go), then for SQLite's lock."""
        if self._turns is None:
            return _immediate(self._threaded, work, False)
        self._turns.take()
        try:
            return _immediate(self._threaded, work, False)
        finally:
            self._turns.release()

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only ``work`` on a snapshot; in WAL mode a read waits for nobody, so it runs inline."""
        try:
            return _deferred(self._inline, work)
        except OperationalError as exc:  # only in rare moments (a WAL being recovered): wait off the loop
            if "locked" not in str(exc.orig):
                raise
        return await asyncio.get_running_loop().run_in_executor(self._thread, _deferred, self._threaded, work)

    def _maybe_checkpoint(self) -> None:
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        if time.monotonic() - self._checkpointed_at < CHECKPOINT_INTERVAL_S:
            return
        self._checkpointed_at = time.monotonic()
        self._checkpoint = self._thread.submit(_checkpoint, self._threaded)

    def dispose(self) -> None:
        """Close every connection, each on the thread that opened it, and stop the thread."""
        self._inline.dispose()
        self._thread.submit(self._threaded.dispose).result()
        self._thread.shutdown(wait=True)
        if self._turns is not None:
            self._turns.close()


class _Busy(Exception):
    """Another process holds the write lock."""


def _immediate(engine: Engine, work: Callable[[Connection], T], inline: bool) -> T:
    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        try:
            transaction = connection.begin()
        except OperationalError as exc:
            if inline and "locked" in str(exc.orig):
                raise _Busy from exc
            raise
        with transaction:
            return work(connection)


def _deferred(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            return work(connection)
        finally:
            transaction.rollback()


def _checkpoint(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    """The loop's connection: busy at once rather than waiting, and no checkpoints of its own."""
    cursor = dbapi_connection.cursor()
    for pragma in ("busy_timeout=0", "wal_autocheckpoint=0"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
