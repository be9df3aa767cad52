"""An export table's rows from the database a partition at a time, on one server-side cursor.

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

from ..exports.filters import ExportFilter
from ..service.ports import ExportRows
from .export_queries import QUERIES

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


class SqlExportRows(ExportRows):
    """:class:`ExportRows` from the views' database: the table's query (:mod:`.export_queries`), streamed."""

    def __init__(self, engine: AsyncEngine, size: int = PARTITION) -> None:
        self.engine = engine
        self.size = size

    def partitions(self, table: str, wanted: ExportFilter) -> AsyncGenerator[Sequence[RowMapping], None]:
        return partitions(self.engine, QUERIES[table](wanted), self.size)
