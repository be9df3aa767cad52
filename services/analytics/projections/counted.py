"""Events counted once each by their id: for streams of facts that carry no version (verdicts,
check-ins, notifications), the only way to tell an event published twice from two events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from shared.consumer import Delivery

from ..adapters.tables import counted_events


def first_time(connection: Connection, deliveries: Sequence[Delivery]) -> set[str]:
    """The ids of the events in ``deliveries`` never counted before, now recorded as counted."""
    ids = {d.envelope.id for d in deliveries}
    if not ids:
        return set()
    seen = set(connection.scalars(select(counted_events.c.event_id).where(counted_events.c.event_id.in_(ids))))
    fresh = ids - seen
    if fresh:
        connection.execute(insert(counted_events), [{"event_id": i} for i in sorted(fresh)])
    return fresh
