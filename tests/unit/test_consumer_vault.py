"""A view that fetches keys from the key vault before each batch (``Preparing``): a vault that cannot be
reached is retried with backoff like the database, and the batch is applied once it answers again,
instead of the error ending the consumer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.events import activity_registered, message
from services.analytics.adapters.tables import metadata, overview_provinces
from services.analytics.projections.overview import OverviewProjection
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime, Delivery
from shared.consumer import metrics as consumer_metrics
from shared.events.topics import ACTIVITIES
from shared.privacy import KeyVault
from shared.store import BackboneTables, Recorder, StoreUnavailable, create_engine
from shared.store.migrations import migrate


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/analytics.db")
    await migrate(engine, "services.analytics:migrations")
    yield engine
    await engine.dispose()


class KeyedOverview(OverviewProjection):
    """The overview, fetching a key from the vault before each batch, as notification's planner does."""

    def __init__(self, vault: KeyVault) -> None:
        self.vault = vault
        self.prepared = 0

    async def prepare(self, deliveries: Sequence[Delivery]) -> None:
        await self.vault.get(["some-key"])
        self.prepared += 1


async def test_an_unreachable_vault_is_a_store_error(tmp_path: Path) -> None:
    vault = KeyVault(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}")
    (tmp_path / "keys.db").mkdir()  # a directory where the vault's file should be: it cannot be opened
    with pytest.raises(StoreUnavailable):
        await vault.get(["k1"])
    await vault.stop()


async def test_an_unreachable_vault_is_retried_until_it_answers(tmp_path: Path, engine: AsyncEngine) -> None:
    vault_file = tmp_path / "keys.db"
    vault = KeyVault(f"sqlite+aiosqlite:///{vault_file}")
    vault_file.mkdir()  # a directory where the vault's file should be: unreachable, as a vault down
    async with EmbeddedLog(tmp_path / "bus.db", default_partitions=1) as log:
        await log.publish([message(activity_registered()) for _ in range(2)])
        async with log.subscribe("reader", [ACTIVITIES.name]) as subscription:
            records = await subscription.poll(100, 200)
        projection = KeyedOverview(vault)
        runtime = ConsumerRuntime(engine, Recorder(BackboneTables(metadata)), log, projection)
        errors = consumer_metrics.ERRORS.labels(runtime.group)
        before = errors._value.get()
        processing = asyncio.create_task(runtime.process(records))
        async with asyncio.timeout(30):
            while errors._value.get() < before + 2:  # two failed tries, each followed by a backoff
                assert not processing.done(), processing.exception()
                await asyncio.sleep(0.01)
        vault_file.rmdir()  # the vault is back
        await asyncio.wait_for(processing, 30)
    await vault.stop()
    assert projection.prepared == 1
    async with engine.connect() as connection:
        rows = (await connection.execute(select(overview_provinces.c.activities))).all()
    assert [n for (n,) in rows] == [2]
