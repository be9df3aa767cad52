"""The application recorder: an aggregate's events and the outbox, written in one transaction.

Aggregates are stored as their events (``events`` table, primary key aggregate id + version); each
event also becomes an outbox row holding the encoded CloudEvents message, so the relay publishes
exactly what was recorded, in commit order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from ..bus.message import Message, encode_headers
from ..events import CATALOG, Envelope, to_message
from .errors import ConcurrencyError
from .tables import BackboneTables

TopicRouter = Callable[[Envelope], str]
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores a value


def catalog_topic(envelope: Envelope) -> str:
    """The topic the catalog assigns to an event's type."""
    return CATALOG[envelope.type].topic.name


@dataclass(frozen=True)
class AggregateAppend:
    """New events of one aggregate, valid only if it is still at ``expected_version`` (0 = new)."""

    aggregate_id: str
    expected_version: int
    events: Sequence[Envelope]


@dataclass(frozen=True)
class Insert:
    """One new row of one of the service's tables."""

    table: Table
    row: Mapping[str, Any]


@dataclass(frozen=True)
class Bulk:
    """One statement run once per parameter set in a single ``executemany`` (e.g. an update of many
    rows by key, with ``bindparam`` values), where a statement per row would be compiled per row."""

    statement: Executable
    rows: Sequence[Mapping[str, Any]]


@dataclass
class Changes:
    """Everything one command writes, committed together or not at all.

    ``messages`` go to the outbox as they are (restricted-topic events, dead letters);
    ``statements`` (updates, deletes, upserts) and ``inserts`` are the service's own table writes.

    A batch runs every change's statements first, in order, then inserts its rows one
    ``executemany`` per table and set of columns (tables in the order they first appear): a batch of
    a thousand registrations costs a handful of round trips, not thousands. So a change's rows may
    follow its own statements (delete the old list, insert the new one), but never rely on another
    change's statements in the same batch; the version check keeps two changes of one aggregate
    out of one batch anyway.
    """

    appends: list[AggregateAppend] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    statements: list[Executable | Bulk] = field(default_factory=list)
    inserts: list[Insert] = field(default_factory=list)


class Recorder:
    """Reads and writes the backbone tables of one service database."""

    def __init__(self, tables: BackboneTables, topic_for: TopicRouter = catalog_topic) -> None:
        self.tables = tables
        self.topic_for = topic_for

    async def load(self, connection: AsyncConnection, aggregate_id: str) -> list[Envelope]:
        """All events of an aggregate in version order (empty when it does not exist)."""
        t = self.tables.events
        rows = await connection.execute(select(t).where(t.c.aggregate_id == aggregate_id).order_by(t.c.version))
        return [
            Envelope(
                id=row.event_id,
                source=row.source,
                type=row.type,
                time=row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=UTC),
                subject=row.aggregate_id,
                dataschema=row.dataschema,
                sequence=row.version,
                correlationid=row.correlation_id,
                causationid=row.causation_id,
                campaign=row.campaign,
                data=json.loads(row.data),
            )
            for row in rows
        ]

    def versions(self, connection: Connection, aggregate_ids: Iterable[str]) -> dict[str, int]:
        """The current version of each existing aggregate among ``aggregate_ids``."""
        ids = sorted(set(aggregate_ids))
        if not ids:
            return {}
        t = self.tables.events
        rows = connection.execute(
            select(t.c.aggregate_id, func.max(t.c.version)).where(t.c.aggregate_id.in_(ids)).group_by(t.c.aggregate_id)
        )
        return {aggregate_id: version for aggregate_id, version in rows}

    def check_versions(self, changes: Changes, current: dict[str, int]) -> None:
        """Raise :class:`ConcurrencyError` unless every append expects the aggregate's version.

        ``current`` is updated as if the appends were made, so later changes in the same batch see
        the versions the earlier ones create.
        """
        for append in changes.appends:
            actual = current.get(append.aggregate_id, 0)
            if actual != append.expected_version:
                raise ConcurrencyError(append.aggregate_id, append.expected_version, actual)
            for offset, envelope in enumerate(append.events, start=1):
                if envelope.sequence != actual + offset or envelope.subject != append.aggregate_id:
                    raise ValueError(f"event {envelope.id} does not follow version {actual} of {append.aggregate_id}")
            current[append.aggregate_id] = actual + len(append.events)

    def write(self, connection: Connection, batch: Sequence[Changes]) -> None:
        """Write the events, outbox rows, statements and inserts of already-checked changes.

        Synchronous, so that a whole batch is one call on the driver's side (:func:`~.engine.write`).
        """
        now = datetime.now(UTC)
        event_rows = []
        outbox_rows = []
        for changes in batch:
            for append in changes.appends:
                for envelope in append.events:
                    event_rows.append(_event_row(envelope))
                    outbox_rows.append(_outbox_row(to_message(envelope, self.topic_for(envelope)), now))
            outbox_rows.extend(_outbox_row(message, now) for message in changes.messages)
        insert_plain(connection, self.tables.events, event_rows)
        insert_plain(connection, self.tables.outbox, outbox_rows)
        rows: dict[tuple[Table, tuple[str, ...]], list[Mapping[str, Any]]] = {}
        for changes in batch:
            for statement in changes.statements:
                if isinstance(statement, Bulk):
                    if statement.rows:
                        connection.execute(statement.statement, list(statement.rows))
                else:
                    connection.execute(statement)
            for insert in changes.inserts:
                rows.setdefault((insert.table, tuple(insert.row)), []).append(insert.row)
        for (table, _columns), group in rows.items():
            connection.execute(table.insert(), group)


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


def _event_row(envelope: Envelope) -> dict[str, object]:
    return {
        "aggregate_id": envelope.subject,
        "version": envelope.sequence,
        "event_id": envelope.id,
        "type": envelope.type,
        "dataschema": envelope.dataschema,
        "source": envelope.source,
        # SQLite's DATETIME keeps no offset and is read back as UTC: store UTC on every backend
        "occurred_at": envelope.time.astimezone(UTC) if envelope.time.tzinfo else envelope.time,
        "correlation_id": envelope.correlationid,
        "causation_id": envelope.causationid,
        "campaign": envelope.campaign,
        "data": json.dumps(envelope.data, ensure_ascii=False),
    }


def _outbox_row(message: Message, now: datetime) -> dict[str, object]:
    return {
        "topic": message.topic,
        "key": message.key,
        "value": message.value,
        "headers": encode_headers(message.headers),
        "created_at": now,
    }
