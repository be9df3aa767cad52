"""The store contract, rung 3: consumer tracking, on every backend (see store_support.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import Recorder, transaction
from shared.store.upsert import upsert
from tests.contract.store_support import TOPIC, OnPostgres, OnSQLite, StoreFixtures


class TrackingRecorderContract(StoreFixtures):
    """What every backend must do to track what consumers have applied."""

    async def test_tracking_upsert_inserts_then_updates(self, engine: AsyncEngine, recorder: Recorder) -> None:
        t = recorder.tables.tracking
        keys = ("consumer", "topic", "partition")

        def row(partition: int, offset: int) -> dict[str, Any]:
            return {"consumer": "views", "topic": TOPIC, "partition": partition, "offset": offset}

        async def offsets() -> dict[int, int]:
            async with engine.connect() as connection:
                return {p: o for p, o in await connection.execute(select(t.c.partition, t.c.offset))}

        async with transaction(engine) as connection:
            await connection.run_sync(lambda c: upsert(c, t, [row(0, 5), row(1, 7)], keys, update={"offset": None}))
        async with transaction(engine) as connection:
            await connection.run_sync(lambda c: upsert(c, t, [row(0, 9), row(2, 1)], keys, update={"offset": None}))
        assert await offsets() == {0: 9, 1: 7, 2: 1}

        async with transaction(engine) as connection:
            await connection.run_sync(
                lambda c: upsert(c, t, [row(0, 1), row(3, 4)], keys)
            )  # no update: keep what is there
            add = {"offset": lambda new, table: table.c.offset + new.offset}
            await connection.run_sync(lambda c: upsert(c, t, [row(1, 3)], keys, update=add))
            await connection.run_sync(lambda c: upsert(c, t, [], keys))
        assert await offsets() == {0: 9, 1: 10, 2: 1, 3: 4}


class TestTrackingOnSQLite(OnSQLite, TrackingRecorderContract):
    pass


class TestTrackingOnPostgres(OnPostgres, TrackingRecorderContract):
    pass
