"""Rung 1 of the recorder ladder (:mod:`.recorder`): the aggregate recorder.

Aggregates are stored as their events: the ``events`` table, primary key aggregate id + version, so
two writers appending the same version of one aggregate cannot both commit (optimistic locking, with
:meth:`AggregateRecorder.check_versions` refusing a stale append before it is tried). A command's own
table writes (``statements``, ``inserts``) go in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..events import Envelope
from .changes import Bulk, Changes
from .errors import ConcurrencyError
from .inserts import insert_plain
from .tables import BackboneTables


class AggregateRecorder:
    """Reads and appends the events of aggregates, and writes a command's own rows beside them."""

    def __init__(self, tables: BackboneTables) -> None:
        self.tables = tables

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
        """Write the events, statements and inserts of already-checked changes, in the caller's transaction.

        This rung has no outbox: changes carrying ``messages`` need an :class:`~.outbox.OutboxRecorder`.
        """
        if any(changes.messages for changes in batch):
            raise ValueError("messages go to the outbox, and an aggregate recorder has none")
        self.record_events(connection, batch)
        write_tables(connection, batch)

    def record_events(self, connection: Connection, batch: Sequence[Changes]) -> None:
        """Insert the rows of every appended event of ``batch`` (one ``executemany``)."""
        rows = [_event_row(envelope) for changes in batch for append in changes.appends for envelope in append.events]
        insert_plain(connection, self.tables.events, rows)


def write_tables(connection: Connection, batch: Sequence[Changes]) -> None:
    """Run the service's own table writes of ``batch``: every change's statements first, in order, then
    its inserts grouped into one ``executemany`` per table and set of columns (see :class:`~.changes.Changes`)."""
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
