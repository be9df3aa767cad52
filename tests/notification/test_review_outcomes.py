"""Review outcomes reach the organizer's in-app inbox, once each, in Chinese: approved, rejected with
the reason, recommended, endorsed with the level's opinion, commended; a unit's own recommendation
reaches the unit; an outcome that arrives before its activity is known reaches the organizer later."""

from __future__ import annotations

from shared.events.payloads.reviews import (
    ActivityApproved,
    ActivityRejected,
    Commended,
    RecommendationDeclined,
    RecommendationEndorsed,
    Recommended,
    UnitRecommended,
)
from tests.notification.conftest import Service, admin, campaign, envelope, organizer, registered


async def inbox(service: Service, unit_id: str = "unit-1") -> list[dict[str, object]]:
    answer = await service.client.get("/api/v1/inbox", headers=organizer(unit_id))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def test_every_outcome_reaches_the_organizers_inbox_once(service: Service) -> None:
    activity = registered(name="食品安全进社区")
    a = activity.subject
    rejected = envelope(ActivityRejected(activity_id=a, reviewer_body="county:610502", reason="缺少详细地址"), a)
    approved = envelope(ActivityApproved(activity_id=a, reviewer_body="county:610502"), a)
    recommended = envelope(
        Recommended(recommendation_id="r1", activity_id=a, from_body="county:610502", from_level="county",
                    to_level="city", reason="参与人数多", activity_name="食品安全进社区"),
        "r1",
    )  # fmt: skip
    endorsed = envelope(
        RecommendationEndorsed(recommendation_id="r1", subject="activity", level="city", body="city:6105",
                               opinion="同意，择优上报"),
        "r1",
    )  # fmt: skip
    declined = envelope(
        RecommendationDeclined(recommendation_id="r1", subject="activity", level="province", body="province:61",
                               reason="名额已满"),
        "r1",
    )  # fmt: skip
    commended = envelope(Commended(subject="activity", subject_id=a, recommendation_id="r1"), "r1")
    await service.feed(campaign(), activity, rejected, approved, recommended, endorsed, declined, commended)
    await service.feed(approved)  # a redelivery adds nothing
    assert await inbox(service) == [], "nothing shows before it is delivered"
    await service.dispatch()
    items = await inbox(service)
    assert sorted(i["kind"] for i in items) == sorted(
        ["review_rejected", "review_approved", "recommended", "endorsed", "commended"]
    )
    texts = {i["kind"]: f"{i['title']} {i['text']}" for i in items}
    assert "缺少详细地址" in texts["review_rejected"] and "食品安全进社区" in texts["review_approved"]
    assert "同意，择优上报" in texts["endorsed"] and "市级" in texts["endorsed"]
    assert await inbox(service, "unit-2") == [], "another unit sees none of it"
    assert (await service.client.get("/api/v1/inbox", headers=admin())).status_code == 403
    assert (await service.client.get("/api/v1/inbox")).status_code == 401


async def test_a_units_recommendation_and_an_early_outcome_reach_the_right_organizer(service: Service) -> None:
    unit = envelope(
        UnitRecommended(recommendation_id="u1", unit_id="unit-3", from_body="city:6105", from_level="city",
                        to_level="province", deeds="组织科普活动 30 场", unit_name="渭南市科技馆"),
        "u1",
    )  # fmt: skip
    activity = registered(unit_id="unit-4")
    early = envelope(ActivityApproved(activity_id=activity.subject, reviewer_body="county:610502"), activity.subject)
    await service.feed(campaign(), unit, early)  # the approval arrives before the registration
    await service.feed(activity)
    await service.dispatch()
    assert [i["kind"] for i in await inbox(service, "unit-3")] == ["recommended"]
    assert [i["kind"] for i in await inbox(service, "unit-4")] == ["review_approved"]
