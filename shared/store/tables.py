"""The backbone tables every service's database has: events, outbox, tracking, idempotency keys.

Services add these to their own ``MetaData`` with :func:`add_backbone_tables` and create them in
their first Alembic migration; nothing here creates tables at import time.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
Serial = BigInteger().with_variant(Integer(), "sqlite")


def add_backbone_tables(metadata: MetaData) -> None:
    """Define the backbone tables on ``metadata`` (a service's own metadata)."""
    Table(
        "events",
        metadata,
        Column("aggregate_id", String(64), primary_key=True),
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("dataschema", String(128), nullable=False),
        Column("source", String(128), nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("correlation_id", String(64)),
        Column("causation_id", String(64)),
        Column("campaign", String(64)),
        Column("data", Text, nullable=False),
    )
    outbox = Table(
        "outbox",
        metadata,
        Column("id", Serial, primary_key=True, autoincrement=True),
        Column("topic", String(128), nullable=False),
        Column("key", LargeBinary),
        Column("value", LargeBinary, nullable=False),
        Column("headers", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True)),
    )
    Index(
        "outbox_unpublished",
        outbox.c.id,
        sqlite_where=outbox.c.published_at.is_(None),
        postgresql_where=outbox.c.published_at.is_(None),
    )
    Table(
        "tracking",
        metadata,
        Column("consumer", String(128), primary_key=True),
        Column("topic", String(128), primary_key=True),
        Column("partition", Integer, primary_key=True, autoincrement=False),
        Column("offset", BigInteger, nullable=False),
    )
    Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(128), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


def backbone_metadata() -> MetaData:
    """A fresh ``MetaData`` holding only the backbone tables (for tests and tools)."""
    metadata = MetaData()
    add_backbone_tables(metadata)
    return metadata


class BackboneTables:
    """The backbone tables of one service's metadata, looked up by name."""

    def __init__(self, metadata: MetaData) -> None:
        self.events = metadata.tables["events"]
        self.outbox = metadata.tables["outbox"]
        self.tracking = metadata.tables["tracking"]
        self.idempotency_keys = metadata.tables["idempotency_keys"]
