"""Every service's Alembic migrations, on SQLite and on PostgreSQL: they run, run again harmlessly,
and leave exactly the schema its tables module declares."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from shared.store import create_engine
from shared.store.migrations import migrate

SERVICES = ["registration", "review", "notification", "analytics"]


def schema_differences(connection: Connection, metadata: MetaData) -> list[object]:
    """What Alembic's autogenerate finds between the database and ``metadata``."""
    # Tables SQLAlchemy cannot describe (SQLite's FTS5 tables) are named in ``metadata.info``; an
    # object made on one database only says which in its ``info``.
    unmapped = metadata.info.get("unmapped_tables", set())
    dialect = connection.dialect.name

    def include_name(name: str | None, type_: str, _parents: object) -> bool:
        return not (type_ == "table" and name in unmapped)

    def include_object(item: Any, _name: str | None, _type: str, _reflected: bool, _other: object) -> bool:
        return getattr(item, "info", {}).get("only_on", dialect) == dialect

    opts = {"compare_type": True, "include_name": include_name, "include_object": include_object}
    return list(compare_metadata(MigrationContext.configure(connection, opts=opts), metadata))


async def _check(url: str, service: str) -> None:
    metadata = importlib.import_module(f"services.{service}.adapters.tables").metadata
    engine = create_engine(url)
    try:
        await migrate(engine, f"services.{service}:migrations")
        await migrate(engine, f"services.{service}:migrations")
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, metadata) == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_on_sqlite(service: str, tmp_path: Path) -> None:
    await _check(f"sqlite+aiosqlite:///{tmp_path}/{service}.db", service)


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_on_postgresql(service: str, fresh_postgres_url: str) -> None:
    await _check(fresh_postgres_url, service)
