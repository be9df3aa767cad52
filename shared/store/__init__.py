"""The event store: aggregates as events, a transactional outbox and its relay, consumer tracking.

The recorders climb a ladder (:mod:`.recorder`): :class:`AggregateRecorder` → :class:`OutboxRecorder`
→ :class:`TrackingRecorder`, each adding to the one below; :data:`Recorder` is the top rung.
"""

from .engine import create_engine, in_transaction, reading, sync_reading, sync_transaction, transaction
from .errors import ConcurrencyError, IntegrityViolation, StoreError, StoreUnavailable
from .prefix import starts_with
from .recorder import (
    AggregateAppend,
    AggregateRecorder,
    Bulk,
    Changes,
    Insert,
    OutboxRecorder,
    Position,
    Recorder,
    TrackingRecorder,
    insert_plain,
)
from .relay import OutboxRelay
from .tables import BackboneTables, add_backbone_tables, backbone_metadata
from .writer import GroupCommitter

__all__ = [
    "AggregateAppend",
    "AggregateRecorder",
    "BackboneTables",
    "Bulk",
    "Changes",
    "ConcurrencyError",
    "GroupCommitter",
    "Insert",
    "IntegrityViolation",
    "OutboxRecorder",
    "OutboxRelay",
    "Position",
    "Recorder",
    "StoreError",
    "StoreUnavailable",
    "TrackingRecorder",
    "add_backbone_tables",
    "backbone_metadata",
    "create_engine",
    "in_transaction",
    "insert_plain",
    "reading",
    "starts_with",
    "sync_reading",
    "sync_transaction",
    "transaction",
]
