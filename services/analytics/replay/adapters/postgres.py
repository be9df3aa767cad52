"""The swap on PostgreSQL: the shadow is a schema of the live database (``analytics_replay``).

*The shadow.* The schema is dropped (a killed replay's) and created empty; the caller migrates it with
the service's own migrations through an engine whose connections have ``search_path`` set to it alone
(asyncpg's ``server_settings``: a startup parameter, so no transaction or pool reset can undo it). So
its tables, indexes and Alembic version table are exactly the live ones, and the replay's applier,
whose statements name tables unqualified, write there and nowhere else.

*The lock.* The swap's transaction (on a connection with the live database's usual ``search_path``)
first takes ``LOCK TABLE tracking IN ACCESS EXCLUSIVE MODE``, then ``LOCK TABLE <views> IN EXCLUSIVE
MODE``. Why tracking first, and why that mode: a live consumer's transaction (``ConsumerRuntime._apply``)
*reads* its tracking rows first (ACCESS SHARE on ``tracking``), then writes view tables — in an order
set by the batch's events, not a fixed one — then upserts ``tracking``. Locking the views first, in any
fixed order, could deadlock with a consumer holding a later view table and waiting for an earlier one.
ACCESS EXCLUSIVE on ``tracking`` is the one mode that conflicts with that first read: the swap waits
while holding nothing for the consumers already in a transaction to commit (a consumer that already
holds ACCESS SHARE on ``tracking`` is queued ahead of the swap for its own upsert, so it finishes), and
every later consumer transaction waits at its first statement, before touching any view. The views'
locks are then granted at once; EXCLUSIVE still lets the API's SELECTs through, and the API never reads
``tracking``. A consumer let through after the commit reads tracking with a snapshot taken after its
lock was granted (READ COMMITTED), so it sees the moved tracking rows.

*Readers* see, by MVCC, the old views until the commit and the new ones after — never a table emptied
by the ``DELETE`` or half filled by the ``INSERT … SELECT``. After the commit the schema is dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .swap import Rows, Swap, quoted

log = logging.getLogger(__name__)

SCHEMA = "analytics_replay"


def _numbered(sql: str) -> str:
    """``?`` marks as asyncpg's ``$1``, ``$2``… (no statement of the swap has a ``?`` of its own)."""
    counter = iter(range(1, 1 << 16))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


class PostgresSwap(Swap):
    """The shadow schema and one connection to the live database: lock, then replace, then commit."""

    live_prefix = ""
    greatest = "GREATEST"

    def __init__(self, url: URL, *, schema: str = SCHEMA, lock_timeout_s: float = 60.0) -> None:
        self.where = f"PostgreSQL database {url.database}"
        self.schema = schema
        self.shadow_prefix = f"{quoted(schema)}."
        self._url = url
        self._lock_timeout_ms = int(lock_timeout_s * 1000)
        self._live = create_async_engine(url, pool_size=1, max_overflow=1, pool_pre_ping=True)
        self._shadow: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._prepared = False

    async def prepare(self) -> AsyncEngine:
        self._prepared = True
        async with self._live.begin() as connection:
            await connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted(self.schema)} CASCADE")
            await connection.exec_driver_sql(f"CREATE SCHEMA {quoted(self.schema)}")
        self._shadow = create_async_engine(
            self._url,
            pool_size=4,
            max_overflow=4,
            pool_pre_ping=True,
            connect_args={"server_settings": {"search_path": quoted(self.schema)}},
        )
        return self._shadow

    async def _begin(self, tables: Sequence[Table]) -> None:
        connection = self._connection = await self._live.connect()
        await connection.exec_driver_sql(f"SET LOCAL lock_timeout = {self._lock_timeout_ms}")
        await connection.exec_driver_sql("LOCK TABLE tracking IN ACCESS EXCLUSIVE MODE")
        views = ", ".join(quoted(t.name) for t in tables)
        await connection.exec_driver_sql(f"LOCK TABLE {views} IN EXCLUSIVE MODE")

    async def _execute(self, sql: str, params: Sequence[str] = ()) -> Rows:
        assert self._connection is not None, "lock() first"
        result = await self._connection.exec_driver_sql(_numbered(sql), tuple(params) if params else None)
        return [tuple(row) for row in result.all()] if result.returns_rows else []

    async def _commit(self) -> None:
        assert self._connection is not None, "lock() first"
        await self._connection.commit()

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                if connection.in_transaction():
                    await connection.rollback()
            finally:
                await connection.close()

    async def remove(self) -> None:
        """Drop the shadow schema. A failure is logged, not raised: the next replay drops it first."""
        try:
            if self._shadow is not None:
                await self._shadow.dispose()
                self._shadow = None
            if self._prepared:
                async with self._live.begin() as connection:
                    await connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted(self.schema)} CASCADE")
        except Exception as exc:
            log.warning(
                "replay: the shadow schema %s was left in place (%s); the next replay drops it", self.schema, exc
            )
        finally:
            await self._live.dispose()
