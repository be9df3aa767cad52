"""Every service's Alembic migrations, on SQLite and on PostgreSQL: they run, run again harmlessly,
and leave exactly the schema its tables module declares."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from shared.store import create_engine
from shared.store.migrations import migrate

SERVICES = ["registration", "review", "notification", "analytics"]


def _differences(connection: Connection, metadata: MetaData) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata))


async def _check(url: str, service: str) -> None:
    metadata = importlib.import_module(f"services.{service}.adapters.tables").metadata
    engine = create_engine(url)
    try:
        await migrate(engine, f"services.{service}:migrations")
        await migrate(engine, f"services.{service}:migrations")
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences, metadata) == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_on_sqlite(service: str, tmp_path: Path) -> None:
    await _check(f"sqlite+aiosqlite:///{tmp_path}/{service}.db", service)


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_on_postgresql(service: str, fresh_postgres_url: str) -> None:
    await _check(fresh_postgres_url, service)
