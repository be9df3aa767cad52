"""Events counted once each by their id: for streams of facts that carry no version (verdicts,
check-ins, ratings, notifications), the only way to tell an event the relay published twice from
two events. A view keeps the ids it has counted in a table of its own (``counted_events_table``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Connection, MetaData, String, Table, insert, select

from .projection import Delivery


def counted_events_table(metadata: MetaData, name: str = "counted_events") -> Table:
    """The table of counted event ids, in a view's ``metadata`` (its migration creates it)."""
    return Table(name, metadata, Column("event_id", String(64), primary_key=True))


def first_time(connection: Connection, counted: Table, deliveries: Sequence[Delivery]) -> set[str]:
    """The ids of the events in ``deliveries`` never counted before, now recorded in ``counted``.

    Two copies of one event in ``deliveries`` share an id: the caller counts the id once."""
    ids = {d.envelope.id for d in deliveries}
    if not ids:
        return set()
    seen = set(connection.scalars(select(counted.c.event_id).where(counted.c.event_id.in_(ids))))
    fresh = ids - seen
    if fresh:
        connection.execute(insert(counted), [{"event_id": i} for i in sorted(fresh)])
    return fresh


def once_each(connection: Connection, counted: Table, deliveries: Sequence[Delivery]) -> list[Delivery]:
    """The deliveries to count: each event never counted before, one copy of it, in their order."""
    fresh = first_time(connection, counted, deliveries)
    chosen = []
    for delivery in deliveries:
        if delivery.envelope.id in fresh:
            fresh.discard(delivery.envelope.id)
            chosen.append(delivery)
    return chosen
