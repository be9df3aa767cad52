"""Content review's commands over fakes of their ports: verdicts, their events and versions, bulk approval."""

from __future__ import annotations

import pytest

from services.review.domain.errors import BulkRefused, InvalidCursor, OutsideJurisdiction, Unknown, WrongState
from services.review.service.content_review import ContentReview
from services.review.service.ports import ContentReads
from shared.auth import Principal
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected

from ..fakes import FakeContentReads, FakeStore, activity_row

COUNTY = Principal("r-county", "reviewer", level="county", jurisdiction="610502")


def service(
    *rows: dict[str, object], versions: dict[str, int] | None = None
) -> tuple[ContentReview, FakeStore[ContentReads]]:
    store: FakeStore[ContentReads] = FakeStore(FakeContentReads(*rows, versions=versions))
    return ContentReview(store), store


async def test_approving_appends_the_verdict_at_the_next_version_of_the_activitys_review() -> None:
    content, store = service(activity_row(review="rejected"), versions={"act-1": 1})
    item = await content.approve(COUNTY, "act-1")
    assert (item["review"], item["review_version"], item["reviewed_by"]) == ("approved", 2, "county:610502")
    [event] = store.events
    assert isinstance(event, ActivityApproved) and event.reviewer_body == "county:610502"
    assert store.submitted[0].appends[0].expected_version == 1


async def test_rejecting_carries_the_reason() -> None:
    content, store = service(activity_row(review="pending"))
    item = await content.reject(COUNTY, "act-1", "信息不全")
    assert item["review_reason"] == "信息不全"
    [event] = store.events
    assert isinstance(event, ActivityRejected) and event.reason == "信息不全"


async def test_a_verdict_twice_or_on_a_withdrawn_unknown_or_foreign_activity_is_refused() -> None:
    content, store = service(
        activity_row(review="approved"),
        activity_row("act-2", status="withdrawn", review="pending"),
        activity_row("act-3", region_code="610503", review="pending"),
    )
    with pytest.raises(WrongState, match="already approved"):
        await content.approve(COUNTY, "act-1")
    with pytest.raises(WrongState, match="withdrawn"):
        await content.reject(COUNTY, "act-2", "x")
    with pytest.raises(OutsideJurisdiction):
        await content.approve(COUNTY, "act-3")
    with pytest.raises(Unknown):
        await content.approve(COUNTY, "act-9")
    assert store.submitted == []


async def test_bulk_approval_is_all_or_none_and_names_each_refused_activity() -> None:
    content, store = service(
        activity_row(review="pending"), activity_row("act-3", region_code="610503", review="pending")
    )
    with pytest.raises(BulkRefused) as refused:
        await content.approve_many(COUNTY, ["act-1", "act-3", "act-9"])
    assert set(refused.value.failures) == {"act-3", "act-9"}
    assert isinstance(refused.value.failures["act-3"], OutsideJurisdiction)
    assert refused.value.detail.startswith("2 个活动不能审核通过")
    assert store.submitted == []


async def test_bulk_approval_leaves_the_approved_ones_unchanged_and_writes_nothing_for_them() -> None:
    content, store = service(activity_row(review="approved"), activity_row("act-2", review="pending"))
    outcomes = await content.approve_many(COUNTY, ["act-1", "act-2", "act-1"])
    assert [(o.activity_id, o.outcome) for o in outcomes] == [("act-1", "unchanged"), ("act-2", "approved")]
    assert len(store.events) == 1
    content, store = service(activity_row(review="approved"))
    await content.approve_many(COUNTY, ["act-1"])
    assert store.submitted == []  # nothing decided, nothing committed


async def test_the_queue_pages_inside_the_jurisdiction_and_refuses_a_foreign_cursor() -> None:
    content, _ = service(
        activity_row("a", review="pending"),
        activity_row("b", review="pending"),
        activity_row("c", region_code="610503", review="pending"),
    )
    first = await content.queue(COUNTY, limit=1)
    assert [i["activity_id"] for i in first.items] == ["a"] and first.counts["pending"] == 2
    assert first.next_cursor is not None
    second = await content.queue(COUNTY, limit=1, cursor=first.next_cursor)
    assert [i["activity_id"] for i in second.items] == ["b"] and second.next_cursor is None
    with pytest.raises(InvalidCursor):
        await content.queue(COUNTY, cursor="bm90LWEtY3Vyc29y")
