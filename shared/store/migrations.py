"""Alembic, run at service start: each service has its own migrations and its own version table.

A service's ``migrations/env.py`` calls :func:`run_env` with its metadata; the service calls
:func:`migrate` on start-up. ``create_backbone_tables`` is the backbone's first migration, shared
by every service's initial revision.
"""

from __future__ import annotations

import zlib

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import Serial


def alembic_config(script_location: str, url: str | None = None) -> Config:
    """An Alembic configuration for a service's migrations (``package:folder``)."""
    config = Config()
    config.set_main_option("script_location", script_location)
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def migrate(engine: AsyncEngine, script_location: str) -> None:
    """Upgrade the service's database to the newest revision.

    Every process of a service migrates at start, and several may start at once (API workers beside
    the background process, replicas): one migrates while the others wait for it, then find the
    database at the newest revision. On SQLite the upgrade is one ``BEGIN IMMEDIATE`` transaction
    (the file's write lock, waited for up to the busy timeout); on PostgreSQL it first takes a
    transaction-scoped advisory lock, since two transactions creating one table would both try.
    """

    def upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _migration_lock(script_location)})
        config = alembic_config(script_location)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.connect() as connection:
        await connection.execution_options(sqlite_begin="IMMEDIATE")
        async with connection.begin():
            await connection.run_sync(upgrade)


def _migration_lock(script_location: str) -> int:
    return zlib.crc32(f"kepuri-migrate-{script_location}".encode())


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``: migrate on the given connection, or the URL's."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    raise RuntimeError("services migrate their database at start (or with `kepuri migrate`); use --sql offline")


def create_backbone_tables() -> None:
    """Revision 1 of the backbone tables (see :mod:`shared.store.tables`), inside a migration."""
    op.create_table(
        "events",
        Column("aggregate_id", String(64), nullable=False),
        Column("version", Integer, nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("type", String(64), nullable=False),
        Column("dataschema", String(128), nullable=False),
        Column("source", String(128), nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("correlation_id", String(64)),
        Column("causation_id", String(64)),
        Column("campaign", String(64)),
        Column("data", Text, nullable=False),
        PrimaryKeyConstraint("aggregate_id", "version"),
        UniqueConstraint("event_id"),
    )
    op.create_table(
        "outbox",
        Column("id", Serial, primary_key=True, autoincrement=True),
        Column("topic", String(128), nullable=False),
        Column("key", LargeBinary),
        Column("value", LargeBinary, nullable=False),
        Column("headers", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True)),
    )
    op.create_index(
        "outbox_unpublished",
        "outbox",
        ["id"],
        sqlite_where=text("published_at IS NULL"),
        postgresql_where=text("published_at IS NULL"),
    )
    op.create_table(
        "tracking",
        Column("consumer", String(128), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        PrimaryKeyConstraint("consumer", "topic", "partition"),
    )
    op.create_table(
        "idempotency_keys",
        Column("scope", String(128), nullable=False),
        Column("key", String(255), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("scope", "key"),
    )
