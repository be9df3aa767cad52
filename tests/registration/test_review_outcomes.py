"""The review outcomes consumer, on SQLite and PostgreSQL: each activity's ``review_status`` follows the
review service's last verdict, a batch at a time, and a verdict seen again (a redelivered batch, a
message the relay published twice, an older verdict after a newer one) changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.events import activity_approved, activity_rejected, delivery
from services.registration.adapters.tables import activities, metadata
from services.registration.bootstrap import MIGRATIONS
from services.registration.projections.review_outcomes import ReviewOutcomeProjection
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime
from shared.events import Envelope
from shared.store import BackboneTables, Recorder, create_engine, transaction
from shared.store.migrations import migrate

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def view(database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database)
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


async def registered(engine: AsyncEngine, *ids: str) -> None:
    now = datetime.now(UTC)
    row = {
        "unit_id": "unit-1",
        "campaign_id": "2026",
        "status": "registered",
        "version": 1,
        "name": "科普讲座",
        "region_code": "610502",
        "starts_at": now,
        "ends_at": now,
        "completeness": 1.0,
        "review_status": "pending",
        "data": "{}",
        "registered_at": now,
        "updated_at": now,
    }
    async with transaction(engine) as connection:
        await connection.execute(insert(activities), [row | {"activity_id": i} for i in ids])


async def feed(engine: AsyncEngine, *envelopes: Envelope) -> None:
    """Apply ``envelopes`` as one batch, without the runtime's tracking (as a republished message arrives)."""
    async with transaction(engine) as connection:
        await connection.run_sync(ReviewOutcomeProjection().apply, [delivery(e) for e in envelopes])


async def outcomes(engine: AsyncEngine) -> dict[str, tuple[str, str | None, int]]:
    a = activities
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(a.c.activity_id, a.c.review_status, a.c.review_reason, a.c.review_version)
        )
    return {r.activity_id: (r.review_status, r.review_reason, r.review_version) for r in rows}


@BOTH
async def test_a_batch_of_verdicts_sets_each_activitys_last_one(view: AsyncEngine) -> None:
    await registered(view, "a1", "a2", "a3", "a4")
    await feed(
        view,
        activity_approved("a1"),
        activity_rejected("a2", 1, reason="活动地点不详"),
        activity_rejected("a3", 1),
        activity_approved("a3", 2),  # judged again in the same batch: the later verdict stands
        activity_approved("unknown"),  # not registration's activity: nothing to write
    )
    assert await outcomes(view) == {
        "a1": ("approved", None, 1),
        "a2": ("rejected", "活动地点不详", 1),
        "a3": ("approved", None, 2),
        "a4": ("pending", None, 0),
    }


@BOTH
async def test_a_verdict_seen_again_or_out_of_order_changes_nothing(view: AsyncEngine) -> None:
    await registered(view, "a1", "a2")
    first, second = activity_approved("a1", 1), activity_rejected("a1", 2, reason="内容不完整")
    await feed(view, first, second)
    once = await outcomes(view)
    assert once == {"a1": ("rejected", "内容不完整", 2), "a2": ("pending", None, 0)}
    await feed(view, first)  # the older approval alone, after the rejection
    assert await outcomes(view) == once
    await feed(view, first, second)  # the relay published both again
    assert await outcomes(view) == once
    await feed(view, second, first, first)  # duplicates, newest first, in one batch
    assert await outcomes(view) == once
    await feed(view, activity_approved("a1", 3))  # judged again after a revision
    assert (await outcomes(view))["a1"] == ("approved", None, 3)


@BOTH
async def test_a_batch_delivered_twice_through_the_runtime_is_applied_once(view: AsyncEngine, tmp_path) -> None:
    await registered(view, "a1", "a2")
    records = [delivery(e).record for e in (activity_approved("a1"), activity_rejected("a2"))]
    async with EmbeddedLog(tmp_path / "bus.db") as bus:
        runtime = ConsumerRuntime(view, Recorder(BackboneTables(metadata)), bus, ReviewOutcomeProjection())
        await runtime.process(records)
        once = await outcomes(view)
        await runtime.process(records)  # redelivered: the consumer crashed before committing its offsets
    assert runtime.applied == 2
    assert await outcomes(view) == once == {"a1": ("approved", None, 1), "a2": ("rejected", "活动地点不详", 1)}


@BOTH
async def test_a_command_leaves_the_verdicts_sequence_alone(view: AsyncEngine) -> None:
    """A revision puts a rejected activity back to ``pending``; the review's next verdict still applies."""
    await registered(view, "a1")
    await feed(view, activity_rejected("a1", 1))
    async with transaction(view) as connection:
        a = activities
        await connection.execute(a.update().where(a.c.activity_id == "a1").values(review_status="pending", version=2))
    await feed(view, activity_rejected("a1", 1))  # the old verdict again: the revision stays pending
    assert (await outcomes(view))["a1"] == ("pending", "活动地点不详", 1)
    await feed(view, activity_approved("a1", 2))
    assert (await outcomes(view))["a1"] == ("approved", None, 2)
