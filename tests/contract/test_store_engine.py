"""The store contract beneath the recorders: driver errors in the store's vocabulary, and migrations
(see store_support.py)."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.adapters.tables import metadata
from shared.store import (
    ConcurrencyError,
    IntegrityViolation,
    Recorder,
    StoreUnavailable,
    create_engine,
    reading,
    transaction,
)
from shared.store.migrations import alembic_config, migrate
from shared.web.idempotency import IdempotencyKeys, IdempotentRequest
from tests.contract.store_support import (
    MIGRATIONS,
    OnPostgres,
    OnSQLite,
    StoreFixtures,
    count_rows,
)
from tests.contract.test_migrations import schema_differences


class EngineContract(StoreFixtures):
    """What every backend must do with errors and migrations."""

    async def test_transaction_maps_an_integrity_error(self, engine: AsyncEngine, recorder: Recorder) -> None:
        record = IdempotencyKeys(engine, recorder.tables).record(IdempotentRequest("s", "k", "f"), 201, b"{}")

        with pytest.raises(IntegrityViolation) as caught:
            async with transaction(engine) as connection:
                await connection.execute(record.table.insert(), [record.row])
                await connection.execute(record.table.insert(), [record.row])

        assert not isinstance(caught.value, ConcurrencyError)
        assert isinstance(caught.value.__cause__, IntegrityError)
        assert await count_rows(engine, recorder.tables.idempotency_keys) == 0

    async def test_an_unreachable_database_is_store_unavailable(self, unreachable_url: str) -> None:
        engine = create_engine(unreachable_url)
        try:
            with pytest.raises(StoreUnavailable) as caught:
                async with transaction(engine) as connection:
                    await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()
        assert caught.value.__cause__ is not None

    async def test_no_connection_free_within_the_pool_timeout_is_store_unavailable(self, database_url: str) -> None:
        engine = create_engine(database_url, pool_size=1, pool_timeout=0.2)
        try:
            async with engine.connect(), engine.connect():  # the pooled connection and its one overflow
                with pytest.raises(StoreUnavailable) as caught:
                    await reading(engine, lambda connection: connection.execute(text("SELECT 1")))
            assert await reading(engine, lambda connection: connection.scalar(text("SELECT 1"))) == 1
        finally:
            await engine.dispose()
        assert "no database connection free" in str(caught.value)

    async def test_migrations_are_idempotent_and_match_the_metadata(self, engine: AsyncEngine) -> None:
        await migrate(engine, MIGRATIONS)

        async with engine.connect() as connection:
            head = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_current_head()
            assert (await connection.scalars(text("SELECT version_num FROM alembic_version"))).all() == [head]
            assert await connection.run_sync(schema_differences, metadata) == []


class TestEngineOnSQLite(OnSQLite, EngineContract):
    pass


class TestEngineOnPostgres(OnPostgres, EngineContract):
    pass
