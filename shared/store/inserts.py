"""Plain rows inserted in one ``executemany``, cheaply on SQLite: the recorders' hot insert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, DateTime, Table

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores a value


def insert_plain(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows of plain columns (text, numbers, bytes, UTC datetimes) in one ``executemany``.

    On SQLite the values go to the driver as they are, with datetimes written in SQLAlchemy's own
    SQLite format: per-row parameter processing was the writer's largest cost after the statements
    were grouped (about a tenth of a registration's CPU). Elsewhere SQLAlchemy inserts them.
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    # only the datetime columns need converting
    convert = [_sqlite_value if isinstance(table.c[name].type, DateTime) else None for name in columns]
    values = [
        tuple(row[name] if f is None else f(row[name]) for name, f in zip(columns, convert, strict=True))
        for row in rows
    ]
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_DATETIME) if value.tzinfo else value.strftime(SQLITE_DATETIME)
    return value
