"""The event store: aggregates as events, a transactional outbox and its relay, consumer tracking."""

from .engine import create_engine, in_transaction, reading, sync_reading, sync_transaction, transaction
from .errors import ConcurrencyError, IntegrityViolation, StoreError, StoreUnavailable
from .recorder import AggregateAppend, Bulk, Changes, Insert, Recorder, insert_plain
from .relay import OutboxRelay
from .tables import BackboneTables, add_backbone_tables, backbone_metadata
from .writer import GroupCommitter

__all__ = [
    "AggregateAppend",
    "BackboneTables",
    "Bulk",
    "Changes",
    "ConcurrencyError",
    "GroupCommitter",
    "Insert",
    "IntegrityViolation",
    "OutboxRelay",
    "Recorder",
    "StoreError",
    "StoreUnavailable",
    "add_backbone_tables",
    "backbone_metadata",
    "create_engine",
    "in_transaction",
    "insert_plain",
    "reading",
    "sync_reading",
    "sync_transaction",
    "transaction",
]
