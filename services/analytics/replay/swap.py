"""The swap on SQLite: the shadow's views replace the live ones in ONE transaction on the live file.

The shadow file is ATTACHed to a connection of the live file (ATTACH is refused inside a transaction,
so it comes first). A deferred ``BEGIN`` followed by a write to ``main`` that changes nothing takes the
live file's write lock — and only that file's: the shadow stays writable, so the last records can
still be applied to it by the replay's own runtimes while the lock is held, and it is first read
afterwards, so this transaction's snapshot of it includes them. While the lock is held no live
consumer can commit a batch (its transaction starts with ``BEGIN IMMEDIATE``), so the tracking rows
read under it are exactly what the live views contain until the commit.

Readers (the API) are never blocked: in WAL mode they see the last committed state, the old views
until the commit and the new ones after, never a table half emptied or half filled.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Table

from .reader import Tracked

T = TypeVar("T")

SHADOW = "replay_shadow"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSwap:
    """One connection to the live file, owned by a thread of its own: lock, then replace, then commit."""

    def __init__(self, live: Path, shadow: Path, *, busy_timeout_s: float = 60.0) -> None:
        self._live = live
        self._shadow = shadow
        self._busy_timeout_s = busy_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kepuri-replay-swap")
        self._db: sqlite3.Connection | None = None

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._db is None:
                db = sqlite3.connect(self._live, isolation_level=None, timeout=self._busy_timeout_s)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("ATTACH DATABASE ? AS " + SHADOW, (str(self._shadow),))
                self._db = db
            return work(self._db)

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def lock(self, groups: Sequence[str]) -> Tracked:
        """Take the live file's write lock; the live consumers' tracking rows under it."""

        def lock(db: sqlite3.Connection) -> Tracked:
            db.execute("BEGIN")
            db.execute('UPDATE main.tracking SET "offset" = "offset" WHERE 0')  # the write lock on main alone
            marks = ",".join("?" * len(groups))
            rows = db.execute(
                f'SELECT consumer, topic, partition, "offset" FROM main.tracking WHERE consumer IN ({marks})',
                list(groups),
            )
            return {(group, topic, partition): offset for group, topic, partition, offset in rows}

        return await self._run(lock)

    async def replace(self, tables: Sequence[Table], groups: Sequence[str]) -> dict[str, int]:
        """Replace every view table's rows with the shadow's, move tracking up to the shadow's; commit.

        The live tracking rows become the highest of theirs and the shadow's. The caller has brought the
        shadow at least up to the live rows, so they become the shadow's: what the copied views contain.
        A live consumer that already read records past the old rows skips those now tracked (its
        transaction reads tracking after this commit) and applies the rest, so nothing is lost or doubled.
        Returns the rows of each table after the copy.
        """

        def replace(db: sqlite3.Connection) -> dict[str, int]:
            counts = {}
            for table in tables:
                name = _quoted(table.name)
                columns = ", ".join(_quoted(c.name) for c in table.columns)
                db.execute(f"DELETE FROM main.{name}")
                db.execute(f"INSERT INTO main.{name} ({columns}) SELECT {columns} FROM {SHADOW}.{name}")
                (counts[table.name],) = db.execute(f"SELECT count(*) FROM main.{name}").fetchone()
            marks = ",".join("?" * len(groups))
            db.execute(
                'INSERT INTO main.tracking (consumer, topic, partition, "offset") '
                f'SELECT consumer, topic, partition, "offset" FROM {SHADOW}.tracking WHERE consumer IN ({marks}) '
                'ON CONFLICT (consumer, topic, partition) DO UPDATE SET "offset" = max("offset", excluded."offset")',
                list(groups),
            )
            db.execute("COMMIT")
            return counts

        return await self._run(replace)

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
