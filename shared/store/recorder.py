"""The recorder ladder: what a service database records, each rung adding to the one below.

1. :class:`~.aggregates.AggregateRecorder` stores aggregates as their events (``events``), with
   optimistic locking on each aggregate's version, and a command's own table writes beside them.
2. :class:`~.outbox.OutboxRecorder` adds the transactional outbox (``outbox``): every event, and
   every plain message, becomes an outbox row in the same transaction, totally ordered by its id,
   for the relay (:mod:`.relay`) to publish.
3. :class:`~.tracking.TrackingRecorder` adds consumer tracking (``tracking``): the position each
   consumer group has applied, per topic and partition, moved in the same transaction as the
   view's writes (and the dead letters' outbox rows), which is what makes a consumer idempotent.

(The same ladder as the ``eventsourcing`` library's aggregate, application and process recorders.)
A service's backbone holds the top rung, :data:`Recorder`; the group-commit writer needs the
outbox rung, a consumer the tracking rung. :class:`~.changes.Changes` is what one command writes.
"""

from __future__ import annotations

from .aggregates import AggregateRecorder
from .changes import AggregateAppend, Bulk, Changes, Insert
from .inserts import insert_plain
from .outbox import OutboxRecorder
from .tracking import Position, TrackingRecorder

Recorder = TrackingRecorder
"""The recorder of a service database: every rung of the ladder."""

__all__ = [
    "AggregateAppend",
    "AggregateRecorder",
    "Bulk",
    "Changes",
    "Insert",
    "OutboxRecorder",
    "Position",
    "Recorder",
    "TrackingRecorder",
    "insert_plain",
]
