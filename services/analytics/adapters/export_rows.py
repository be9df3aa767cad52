"""Rows from the database a partition at a time, on one server-side cursor.

One query, one snapshot: SQLite (aiosqlite) fetches each partition on its driver thread, PostgreSQL
(asyncpg) through a server-side cursor in the read transaction. Only one partition of rows is ever in
memory, whatever the table holds; the connection is given back when the iteration ends or is closed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any

from sqlalchemy import RowMapping, Select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store.engine import translate

PARTITION = 1000


async def partitions(
    engine: AsyncEngine, query: Select[Any], size: int = PARTITION
) -> AsyncGenerator[Sequence[RowMapping], None]:
    """The query's rows, ``size`` at a time; driver errors in the store's vocabulary (503 for an outage)."""
    try:
        async with engine.connect() as connection:
            result = await connection.stream(query.execution_options(yield_per=size))
            async for partition in result.mappings().partitions(size):
                yield partition
            await connection.rollback()
    except Exception as exc:
        translated = translate(exc)
        if translated is exc:
            raise
        raise translated from exc
