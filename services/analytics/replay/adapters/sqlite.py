"""The swap on SQLite: the shadow is a file beside the live one (``analytics.replay.db``), ATTACHed to it.

ATTACH is refused inside a transaction, so it comes first. A deferred ``BEGIN`` followed by a write to
``main`` that changes nothing takes the live file's write lock — and only that file's: the shadow stays
writable, so the last records can still be applied to it by the replay's own applier while the lock is
held, and it is first read afterwards, so this transaction's snapshot of it includes them. While the
lock is held no live consumer can commit a batch (its transaction starts with ``BEGIN IMMEDIATE``), so
the tracking rows read under it are exactly what the live views contain until the commit.

Readers (the API) are never blocked: in WAL mode they see the last committed state, the old views
until the commit and the new ones after, never a table half emptied or half filled.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import create_engine

from .swap import Rows, Swap

T = TypeVar("T")

SHADOW = "replay_shadow"  # the name the shadow file is ATTACHed under


def shadow_path(live: Path) -> Path:
    return live.with_name(f"{live.stem}.replay.db")


def remove_file(path: Path) -> None:
    """The file and what SQLite and the write turns (``shared.store.write_turns``) keep beside it."""
    for suffix in ("", "-wal", "-shm", "-journal", "-write.lock", "-queue.lock"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


class SqliteSwap(Swap):
    """One connection to the live file, owned by a thread of its own: lock, then replace, then commit."""

    live_prefix = "main."
    shadow_prefix = f"{SHADOW}."
    greatest = "max"

    def __init__(self, live: Path, *, busy_timeout_s: float = 60.0) -> None:
        self.where = live.name
        self.shadow = shadow_path(live)
        self._live = live
        self._busy_timeout_s = busy_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kepuri-replay-swap")
        self._db: sqlite3.Connection | None = None
        self._engine: AsyncEngine | None = None

    async def prepare(self) -> AsyncEngine:
        remove_file(self.shadow)  # a previous replay that was killed
        self._engine = create_engine(f"sqlite+aiosqlite:///{self.shadow}")
        return self._engine

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._db is None:
                db = sqlite3.connect(self._live, isolation_level=None, timeout=self._busy_timeout_s)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("ATTACH DATABASE ? AS " + SHADOW, (str(self.shadow),))
                self._db = db
            return work(self._db)

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _begin(self, tables: Sequence[Table]) -> None:
        def begin(db: sqlite3.Connection) -> None:
            db.execute("BEGIN")
            db.execute('UPDATE main.tracking SET "offset" = "offset" WHERE 0')  # the write lock on main alone

        await self._run(begin)

    async def _execute(self, sql: str, params: Sequence[str] = ()) -> Rows:
        return await self._run(lambda db: db.execute(sql, list(params)).fetchall())

    async def _commit(self) -> None:
        await self._run(lambda db: db.execute("COMMIT"))

    async def close(self) -> None:
        """Roll back whatever was not committed, detach the shadow and close."""

        def close(db: sqlite3.Connection) -> None:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.execute("DETACH DATABASE " + SHADOW)
            db.close()

        try:
            if self._db is not None:
                await self._run(close)
        finally:
            self._db = None
            self._executor.shutdown(wait=True)

    async def remove(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        remove_file(self.shadow)
