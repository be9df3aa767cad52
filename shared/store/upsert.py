"""INSERT … ON CONFLICT for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement


def upsert_statement(
    dialect: str,
    table: Table,
    keys: Sequence[str],
    update: Mapping[str, Any] | None = None,
) -> Any:
    """An INSERT that updates ``update`` (expressions over ``excluded``) or does nothing on conflict.

    ``update`` maps column names to a callable taking the ``excluded`` row and the table, or to
    ``None`` to take the inserted value.
    """
    module: Any = sqlite if dialect == "sqlite" else postgresql
    statement = module.insert(table)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    values: dict[str, ColumnElement[Any]] = {}
    for name, make in update.items():
        values[name] = statement.excluded[name] if make is None else make(statement.excluded, table)
    return statement.on_conflict_do_update(index_elements=list(keys), set_=values)


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` into ``table``; on a conflict of ``keys`` apply ``update`` (or skip the row)."""
    if rows:
        connection.execute(upsert_statement(connection.dialect.name, table, keys, update), list(rows))
