"""Every service's Alembic migrations, on SQLite and on PostgreSQL: they run, run again harmlessly,
leave exactly the schema its tables module declares, and several processes starting at once (the
process roles: an API's workers beside its background process) migrate one at a time."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect

from services.registration.adapters.tables import metadata as registration_metadata
from shared.privacy.vault import matching_keys, subject_keys
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


# One process of many starting at once (an API's workers, its background process): it migrates
# registration's database and readies the key vault, at the moment the go file appears.
MIGRATING_PROCESS = """
import asyncio, sys, time
from pathlib import Path
from shared.privacy import KeyVault
from services.registration.adapters.tables import metadata as registration_metadata
from shared.privacy.vault import matching_keys, subject_keys
from shared.store import create_engine
from shared.store.migrations import migrate

async def main(url: str, ready: Path, go: Path) -> None:
    engine, vault = create_engine(url), KeyVault(url)
    ready.touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    try:
        await migrate(engine, "services.registration:migrations")
        await vault.start()
    finally:
        await vault.stop()
        await engine.dispose()

asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
"""
PROCESSES = 4


def migrate_at_once(url: str, directory: Path) -> list[subprocess.CompletedProcess[bytes]]:
    """Start :data:`PROCESSES` processes that each migrate ``url`` as one service process does at start,
    release them together once all are ready, and return how each ended."""
    go = directory / "go"
    started = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATING_PROCESS, url, str(directory / f"ready-{n}"), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for n in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while len(list(directory.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        if any(process.poll() is not None for process in started):
            break
        time.sleep(0.01)
    go.touch()
    return [
        subprocess.CompletedProcess(process.args, process.wait(timeout=120), process.communicate()[0])
        for process in started
    ]


async def _check_concurrent(url: str, directory: Path) -> None:
    ended = await asyncio.to_thread(migrate_at_once, url, directory)
    assert [e.returncode for e in ended] == [0] * PROCESSES, b"\n".join(e.stdout for e in ended).decode()[-4000:]
    vault = {subject_keys.name, matching_keys.name}  # the key vault's tables, made beside registration's
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(schema_differences, registration_metadata)
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert [d for d in differences if not (d[0] == "remove_table" and d[1].name in vault)] == []  # type: ignore[index]
        assert vault <= tables
    finally:
        await engine.dispose()


async def test_processes_starting_at_once_migrate_one_at_a_time_on_sqlite(tmp_path: Path) -> None:
    await _check_concurrent(f"sqlite+aiosqlite:///{tmp_path}/registration.db", tmp_path)


async def test_processes_starting_at_once_migrate_one_at_a_time_on_postgresql(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    await _check_concurrent(fresh_postgres_url, tmp_path)
