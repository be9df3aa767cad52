"""The directory view from the streams, on SQLite and PostgreSQL: what is public, what it shows,
and that redelivered or out-of-order events change nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.adapters.tables import directory_activities
from services.registration.bootstrap import MIGRATIONS
from shared.store import create_engine
from shared.store.migrations import migrate

from .directory_support import (
    approved,
    checked_in,
    configured,
    feed,
    feed_each,
    rated,
    registered,
    rejected,
    updated,
    withdrawn,
)

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def view(database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database)
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


async def entry(engine: AsyncEngine, activity_id: str) -> dict[str, Any]:
    t = directory_activities
    async with engine.connect() as connection:
        row = (await connection.execute(select(t).where(t.c.activity_id == activity_id))).first()
    assert row is not None
    found = dict(row._mapping)
    found["data"] = json.loads(found["data"]) if found["data"] else None
    return found


async def public(engine: AsyncEngine, activity_id: str) -> bool:
    return bool((await entry(engine, activity_id))["public"])


@BOTH
async def test_an_activity_is_public_once_approved_and_hidden_when_rejected_until_approved_again(
    view: AsyncEngine,
) -> None:
    event = registered()
    activity_id = event.subject
    await feed(view, configured(auto_approve=False), event)
    assert not await public(view, activity_id)
    await feed(view, approved(activity_id, 1))
    assert await public(view, activity_id)
    await feed(view, rejected(activity_id, 2))
    assert not await public(view, activity_id)
    await feed(view, updated(activity_id, 2, name="食品安全进社区（修订）"))  # revised: still hidden
    assert not await public(view, activity_id)
    await feed(view, approved(activity_id, 3))
    state = await entry(view, activity_id)
    assert state["public"] and state["data"]["name"] == "食品安全进社区（修订）"
    await feed(view, rejected(activity_id, 2))  # a late duplicate of the rejection
    assert await public(view, activity_id)


@BOTH
async def test_an_auto_approving_campaign_makes_its_activities_public_at_registration(view: AsyncEngine) -> None:
    event = registered()
    await feed(view, configured(auto_approve=True, at=event.time - timedelta(days=1)))
    await feed(view, event)
    assert await public(view, event.subject)
    elsewhere = registered(campaign="2025")
    await feed(view, elsewhere)
    assert not await public(view, elsewhere.subject)  # a campaign the view has not seen auto-approves nothing


@BOTH
async def test_a_campaign_configuration_read_after_its_activities_still_governs_them(view: AsyncEngine) -> None:
    """On a replay the campaigns topic may be read after the activities topic."""
    now = datetime.now(UTC)
    before_switch = registered(at=now - timedelta(days=5))
    during = registered(at=now - timedelta(days=3))
    after_switch_off = registered(at=now - timedelta(days=1))
    await feed(view, before_switch, during, after_switch_off)
    assert not any([await public(view, e.subject) for e in (before_switch, during, after_switch_off)])
    await feed(
        view,
        configured(sequence=2, auto_approve=True, at=now - timedelta(days=4)),
        configured(sequence=3, auto_approve=False, at=now - timedelta(days=2)),
    )
    assert [await public(view, e.subject) for e in (before_switch, during, after_switch_off)] == [False, True, False]
    await feed(view, configured(sequence=1, auto_approve=False, at=now - timedelta(days=9)))  # the oldest, last
    assert [await public(view, e.subject) for e in (before_switch, during, after_switch_off)] == [False, True, False]
    await feed(view, rejected(during.subject))
    assert not await public(view, during.subject)


@BOTH
async def test_updates_are_applied_and_a_withdrawal_hides_the_activity(view: AsyncEngine) -> None:
    event = registered()
    activity_id = event.subject
    starts = datetime(2026, 9, 16, 1, 30, tzinfo=UTC)
    await feed(view, configured(auto_approve=True, at=event.time - timedelta(hours=1)), event)
    await feed(
        view,
        updated(activity_id, 2, name="科普大篷车进乡村", starts_at=starts, ends_at=starts + timedelta(hours=3)),
        updated(activity_id, 3, themes=["乡村振兴"], contact_phone_masked="139****0000", region_code="610528"),
    )
    state = await entry(view, activity_id)
    assert state["version"] == 3 and state["public"]
    assert state["data"]["name"] == "科普大篷车进乡村" and state["data"]["themes"] == ["乡村振兴"]
    assert state["region_code"] == "610528" and state["city"] == "6105" and state["province"] == "61"
    assert state["starts_at"].replace(tzinfo=UTC) == starts and state["themes"] == "|乡村振兴|"
    assert "contact_phone_masked" not in state["data"] and "contact_name_masked" not in state["data"]
    assert "organizer_id" not in state["data"]
    await feed(view, updated(activity_id, 4, science_worker_count=3))  # the count, never who
    assert (await entry(view, activity_id))["data"]["science_worker_count"] == 3
    await feed(view, withdrawn(activity_id, 5))
    assert not await public(view, activity_id)
    await feed(view, event, updated(activity_id, 2, name="旧名称"), approved(activity_id))  # stale duplicates
    state = await entry(view, activity_id)
    assert not state["public"] and state["version"] == 5 and state["data"]["name"] == "科普大篷车进乡村"


@BOTH
async def test_redelivered_and_out_of_order_events_change_nothing(view: AsyncEngine) -> None:
    event = registered()
    activity_id = event.subject
    history = [
        configured(auto_approve=False, at=event.time - timedelta(days=1)),
        event,
        updated(activity_id, 2, name="第二版"),
        approved(activity_id, 1),
        updated(activity_id, 3, name="第三版"),
    ]
    await feed_each(view, *history)
    once = await entry(view, activity_id)
    await feed(view, *history)  # the whole history again in one batch
    await feed_each(view, *reversed(history))  # and backwards, one at a time
    assert await entry(view, activity_id) == once
    assert once["data"]["name"] == "第三版" and once["public"] and once["version"] == 3


@BOTH
async def test_a_review_or_a_check_in_read_before_the_registration_is_kept(view: AsyncEngine) -> None:
    event = registered()
    activity_id = event.subject
    await feed(view, approved(activity_id), checked_in(activity_id), rated(activity_id, 4))
    assert not await public(view, activity_id)
    await feed(view, event)
    state = await entry(view, activity_id)
    assert state["public"] and (state["check_ins"], state["ratings"], state["rating_sum"]) == (1, 1, 4)


@BOTH
async def test_check_ins_and_ratings_are_counted_per_activity(view: AsyncEngine) -> None:
    first, second = registered(), registered()
    await feed(view, first, second)
    await feed(
        view,
        *(checked_in(first.subject, f"p-{i}") for i in range(3)),
        rated(first.subject, 4),
        rated(first.subject, 5),
        checked_in(second.subject),
    )
    await feed(view, rated(first.subject, 2), updated(first.subject, 2, name="更名不影响计数"))
    one, two = await entry(view, first.subject), await entry(view, second.subject)
    assert (one["check_ins"], one["ratings"], one["rating_sum"]) == (3, 3, 11)
    assert (two["check_ins"], two["ratings"], two["rating_sum"]) == (1, 0, 0)


@BOTH
async def test_a_check_in_or_rating_published_twice_is_counted_once(view: AsyncEngine) -> None:
    event = registered()
    await feed(view, event)
    check_in, rating = checked_in(event.subject), rated(event.subject, 5)
    await feed(view, check_in, rating, check_in)  # twice in one batch
    await feed(view, rating, check_in)  # and again in a later one (the relay crashed before marking)
    await feed(view, checked_in(event.subject, "p-other"))  # another visitor's check-in still counts
    state = await entry(view, event.subject)
    assert (state["check_ins"], state["ratings"], state["rating_sum"]) == (2, 1, 5)


async def test_an_activity_without_coordinates_is_placed_at_its_division_centre(view: AsyncEngine) -> None:
    placed = registered(latitude=34.5, longitude=109.5)
    unplaced = registered(region_code="610502")
    city_level = registered(region_code="6105")
    online = registered(format="online", online_url="https://live.example.cn/1", latitude=34.5, longitude=109.5)
    await feed(view, placed, unplaced, city_level, online)
    assert [(await entry(view, e.subject))["latitude"] for e in (placed, unplaced, city_level, online)] == [
        34.5,
        pytest.approx(34.4993, abs=1e-3),  # 临渭区's centre
        pytest.approx(34.5204, abs=1e-3),  # 渭南市's centre
        None,  # online only: nowhere to go to
    ]


@BOTH
async def test_a_burst_of_verdicts_agrees_with_the_whole_way(view: AsyncEngine) -> None:
    """A batch of nothing but verdicts on known rows writes their review columns alone; it must leave
    each row as the whole fold would: public only when listed, not withdrawn and approved (or
    auto-approved and never reviewed), the highest sequence winning, stale duplicates ignored."""
    now = datetime.now(UTC)
    pending, gone, auto, revised = (registered(at=now) for _ in range(4))
    await feed(view, configured(auto_approve=False, at=now - timedelta(days=2)))
    await feed(view, pending, gone, revised, withdrawn(gone.subject, 2))
    await feed(view, configured(sequence=2, auto_approve=True, at=now - timedelta(days=1)), auto)
    stub_only = "never-registered"
    await feed(view, approved(revised.subject, 1))
    before = await entry(view, revised.subject)
    await feed(
        view,
        approved(pending.subject, 1),
        approved(gone.subject, 1),
        rejected(auto.subject, 1),
        rejected(revised.subject, 2),
        approved(revised.subject, 1),  # older than the rejection in the same batch
        approved(stub_only, 1),  # no row yet: built the whole way
    )
    assert await public(view, pending.subject)
    assert not await public(view, gone.subject)  # withdrawn stays hidden
    assert not await public(view, auto.subject)  # a rejection overrides auto-approval
    state = await entry(view, revised.subject)
    assert (state["review"], state["review_version"], state["public"]) == ("rejected", 2, False)
    assert {k: v for k, v in state.items() if k not in ("review", "review_version", "public")} == {
        k: v for k, v in before.items() if k not in ("review", "review_version", "public")
    }
    assert (await entry(view, stub_only))["review"] == "approved" and not await public(view, stub_only)
    await feed(view, approved(revised.subject, 1), approved(pending.subject, 1))  # republished
    assert not await public(view, revised.subject) and await public(view, pending.subject)
