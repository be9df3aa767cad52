"""The recommendation commands over fakes of their ports: what each decides and the Changes it submits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services.review.domain.chain import Chain
from services.review.domain.errors import (
    DeadlinePassed,
    NotEligible,
    OutsideJurisdiction,
    QuotaFull,
    Unknown,
    WrongState,
)
from services.review.domain.recommendations import Recommendation, Step
from services.review.service.ports import ClaimTaken, RecommendationReads
from services.review.service.recommending import ActivityNomination, Recommendations, UnitNomination
from shared.auth import Principal
from shared.events.payloads.reviews import (
    RecommendationDeclined,
    RecommendationEndorsed,
    RecommendationWithdrawn,
    Recommended,
    UnitRecommended,
)

from ..fakes import FakeClock, FakeRecommendationReads, FakeStore, activity_row

TODAY = date(2026, 9, 20)
COUNTY = Principal("r-county", "reviewer", level="county", jurisdiction="610502")
CITY = Principal("r-city", "reviewer", level="city", jurisdiction="6105")
NOMINATION = ActivityNomination("2026", "act-1", "内容丰富", "科普讲座", "张三", "13812345678", "同意推荐")


def chain(**rule: Any) -> Chain:
    found = Chain.of(
        "2026",
        {"recommendation": {"levels": ["county", "city", "province"], "forward_to": "national", **rule}},
        TODAY + timedelta(days=10),
    )
    assert found is not None
    return found


def service(
    reads: FakeRecommendationReads, *, lose: int = 0, today: date = TODAY, twin_committed: bool = False
) -> tuple[Recommendations, FakeStore[RecommendationReads]]:
    store: FakeStore[RecommendationReads] = FakeStore(reads, lose=lose, twin_committed=twin_committed)
    return Recommendations(store, FakeClock(today)), store


def with_activity(**fields: Any) -> FakeRecommendationReads:
    reads = FakeRecommendationReads(chain(quotas={"county": 2}))
    reads.activities["act-1"] = activity_row(**fields)
    return reads


def pending_at_city(reads: FakeRecommendationReads) -> Recommendation:
    rec = Recommendation(
        "rec-1", "2026", "activity", "act-1", "610502", ("系列联合行动",), "county:610502", "city",
        history=(Step("recommended", "county", "county:610502", "好", TODAY),),
    )  # fmt: skip
    return reads.add(rec, FakeClock(TODAY).now())


async def test_recommending_an_activity_opens_it_with_its_claim_and_a_quota_place() -> None:
    commands, store = service(with_activity())
    rec = await commands.recommend_activity(COUNTY, NOMINATION)
    assert (rec.level, rec.status, rec.origin, rec.history[0].on) == ("city", "pending", "county:610502", TODAY)
    [changes] = store.submitted
    [event] = store.events
    assert isinstance(event, Recommended)
    assert (event.to_level, event.contact_phone_masked) == ("city", "138****5678")
    assert "张三" not in event.model_dump_json()  # the event carries the contact masked
    tables = [insert.table.name for insert in changes.inserts]
    assert tables == ["recommendations", "subject_claims", "quota_slots"]
    assert changes.inserts[2].row["slot"] == 1
    assert changes.appends[0].expected_version == 0


async def test_an_activity_not_approved_nor_completed_is_not_eligible_and_nothing_is_written() -> None:
    commands, store = service(with_activity(review="pending", info_completed=False))
    with pytest.raises(NotEligible) as refused:
        await commands.recommend_activity(COUNTY, NOMINATION)
    assert "内容审核" in refused.value.detail and "活动信息须已完善" in refused.value.detail
    assert store.submitted == []


async def test_a_claimed_subject_is_already_recommended() -> None:
    reads = with_activity()
    reads.claims[("2026", "activity", "act-1")] = "rec-0"
    commands, _ = service(reads)
    with pytest.raises(WrongState, match="already recommended: rec-0"):
        await commands.recommend_activity(COUNTY, NOMINATION)


async def test_a_full_quota_refuses_naming_it() -> None:
    reads = with_activity()
    reads.slots[("2026", "county:610502", "activity")] = {1, 2}
    commands, _ = service(reads)
    with pytest.raises(QuotaFull, match="the quota of 2 is used up"):
        await commands.recommend_activity(COUNTY, NOMINATION)


async def test_after_the_deadline_the_level_is_refused() -> None:
    commands, _ = service(with_activity(), today=TODAY + timedelta(days=11))
    with pytest.raises(DeadlinePassed):
        await commands.recommend_activity(COUNTY, NOMINATION)


async def test_outside_the_jurisdiction_the_body_is_refused() -> None:
    commands, _ = service(with_activity(region_code="610503"))
    with pytest.raises(OutsideJurisdiction):
        await commands.recommend_activity(COUNTY, NOMINATION)


async def test_a_lost_race_reads_and_decides_again() -> None:
    commands, store = service(with_activity(), lose=1)
    await commands.recommend_activity(COUNTY, NOMINATION)
    assert store.read_count == 2 and len(store.submitted) == 1


async def test_a_unit_without_activities_is_not_eligible_one_with_them_is_recommended() -> None:
    reads = FakeRecommendationReads(chain())
    reads.units["unit-1"] = {"unit_id": "unit-1", "name": "临渭区科普单位", "region_code": "610502"}
    nomination = UnitNomination("2026", "unit-1", "县级", 20, "李四", "13900001111", "事迹")
    commands, store = service(reads)
    with pytest.raises(NotEligible, match="没有登记活动"):
        await commands.recommend_unit(COUNTY, nomination)
    reads.unit_activity_fields[("2026", "unit-1")] = ()
    rec = await commands.recommend_unit(COUNTY, nomination)
    assert rec.kind == "unit" and isinstance(store.events[-1], UnitRecommended)


async def test_endorsing_lifts_it_one_level_at_the_next_version() -> None:
    reads = FakeRecommendationReads(chain())
    rec = pending_at_city(reads)
    commands, store = service(reads)
    moved = await commands.endorse(CITY, rec.id, "同意上报")
    assert (moved.level, moved.status, moved.version) == ("province", "pending", 2)
    [event] = store.events
    assert isinstance(event, RecommendationEndorsed) and event.level == "city"
    assert store.submitted[0].appends[0].expected_version == 1


async def test_declining_ends_it_and_frees_the_subject() -> None:
    reads = FakeRecommendationReads(chain())
    rec = pending_at_city(reads)
    commands, store = service(reads)
    ended = await commands.decline(CITY, rec.id, "材料不全")
    assert ended.status == "declined" and isinstance(store.events[0], RecommendationDeclined)
    assert len(store.submitted[0].statements) == 2  # the row's new state, the subject's claim released


async def test_only_the_recommending_body_withdraws_and_frees_its_place() -> None:
    reads = FakeRecommendationReads(chain())
    rec = pending_at_city(reads)
    commands, store = service(reads)
    with pytest.raises(OutsideJurisdiction):
        await commands.withdraw(CITY, rec.id, None)
    ended = await commands.withdraw(COUNTY, rec.id, "重新推荐")
    assert ended.status == "withdrawn" and isinstance(store.events[0], RecommendationWithdrawn)
    assert len(store.submitted[0].statements) == 3  # state, claim released, quota place freed


async def test_a_body_outside_cannot_see_a_recommendation() -> None:
    reads = FakeRecommendationReads(chain())
    rec = pending_at_city(reads)
    commands, _ = service(reads)
    other = Principal("r-other", "reviewer", level="city", jurisdiction="6101")
    found, row = await commands.get(CITY, rec.id)
    assert found.id == rec.id and row["subject_name"] == "走进科技馆"
    with pytest.raises(Unknown, match="no such recommendation in your jurisdiction"):
        await commands.get(other, rec.id)


async def test_a_refusal_met_after_a_twin_request_committed_is_left_to_the_twins_answer() -> None:
    reads = with_activity()
    reads.claims[("2026", "activity", "act-1")] = "rec-0"  # what the twin (same Idempotency-Key) wrote
    commands, _ = service(reads, twin_committed=True)
    with pytest.raises(ClaimTaken):
        await commands.recommend_activity(COUNTY, NOMINATION)
