"""The recommendation chain through review's API: county → city → province → national, societies
straight to national, Weinan's chain that stops at the city and forwards to the province; eligibility,
jurisdiction, deadlines, quotas (also under concurrent requests), withdrawal, commendation, and the
events each act appends."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.review.adapters.tables import quota_slots, recommendations
from tests.review.conftest import (
    Service,
    activity,
    admin,
    campaign,
    chain,
    info_completed,
    organizer,
    reviewer,
    unit,
    withdrawn,
)

COUNTY, CITY, PROVINCE = reviewer("county", "610502"), reviewer("city", "6105"), reviewer("province", "61")
NATIONAL = reviewer("national")


def nomination(activity_id: str, campaign_id: str = "2026", **changes: Any) -> dict[str, Any]:
    body = {
        "campaign_id": campaign_id,
        "activity_id": activity_id,
        "reason": "组织动员充分，参与人数多",
        "main_content": "面向中小学生开展科学实验展示和科普讲座",
        "contact_name": "王建国",
        "contact_phone": "13812345678",
        "opinion": "同意推荐",
    }
    body.update(changes)
    return body


async def recommend(service: Service, activity_id: str, who: dict[str, str] = COUNTY, **changes: Any) -> Any:
    return await service.client.post("/api/v1/recommendations", json=nomination(activity_id, **changes), headers=who)


async def act(service: Service, rec_id: str, verb: str, who: dict[str, str], **body: Any) -> Any:
    return await service.client.post(f"/api/v1/recommendations/{rec_id}/{verb}", json=body, headers=who)


async def events_of(service: Service, aggregate_id: str) -> list[tuple[int, str]]:
    t = service.container.backbone.tables.events
    async with service.container.backbone.engine.connect() as connection:
        rows = await connection.execute(
            select(t.c.version, t.c.type).where(t.c.aggregate_id == aggregate_id).order_by(t.c.version)
        )
        return [(version, kind) for version, kind in rows]


def problem(answer: Any, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    for word in words:
        assert word in answer.json()["detail"], answer.json()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_recommendation_rises_from_county_to_nation_and_is_commended(service: Service) -> None:
    await service.feed(campaign(), unit())
    activity_id = await service.eligible()

    sent = await recommend(service, activity_id)
    assert sent.status_code == 201, sent.text
    rec = sent.json()
    assert (rec["level"], rec["status"], rec["origin"]) == ("city", "pending", "county:610502")
    assert sent.headers["Location"] == f"/api/v1/recommendations/{rec['id']}"
    assert rec["form"]["main_content"].startswith("面向中小学生")

    for who, waits_at in ((CITY, "province"), (PROVINCE, "national")):
        moved = await act(service, rec["id"], "endorse", who, opinion="同意，择优上报")
        assert moved.status_code == 200, moved.text
        assert (moved.json()["level"], moved.json()["status"]) == (waits_at, "pending")
    selected = await act(service, rec["id"], "endorse", NATIONAL, opinion="入选")
    assert selected.json()["status"] == "selected"
    commended = await act(service, rec["id"], "commend", admin(), citation="优秀活动")
    assert commended.status_code == 200, commended.text
    assert commended.json()["commended"] is True
    actions = [s["action"] for s in commended.json()["history"]]
    assert actions == ["recommended", "endorsed", "endorsed", "endorsed", "commended"]
    assert await events_of(service, rec["id"]) == [
        (1, "recommended"),
        (2, "recommendation-endorsed"),
        (3, "recommendation-endorsed"),
        (4, "recommendation-endorsed"),
        (5, "commended"),
    ]
    outbox = service.container.backbone.tables.outbox
    async with service.container.backbone.engine.connect() as connection:
        values = list(await connection.scalars(select(outbox.c.value).where(outbox.c.topic == "kepuri.reviews.v1")))
    recommended = next(json.loads(v) for v in values if b'"from_body"' in v)
    assert recommended["contact_phone_masked"] == "138****5678"
    assert not any(b"13812345678" in v for v in values), "the contact's phone stays in review's database"


async def test_weinan_stops_at_the_city_and_forwards_to_the_province(service: Service) -> None:
    weinan = chain(levels=["county", "city"], forward_to="province")
    await service.feed(campaign("2022-weinan", recommendation=weinan), unit())
    activity_id = await service.eligible(campaign_id="2022-weinan")
    rec = (await recommend(service, activity_id, campaign_id="2022-weinan")).json()
    assert rec["level"] == "city"
    assert (await act(service, rec["id"], "endorse", CITY, opinion="择优上报省科协")).json()["level"] == "province"
    problem(await act(service, rec["id"], "endorse", NATIONAL, opinion="x"), 403, "province")
    final = await act(service, rec["id"], "endorse", PROVINCE, opinion="入选")
    assert final.json()["status"] == "selected"
    problem(await recommend(service, activity_id, PROVINCE, campaign_id="2022-weinan"), 403)


async def test_a_national_society_recommends_straight_to_national_within_its_field(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(levels=["province"], societies=True)), unit())
    health = await service.eligible(themes=["卫生健康"])
    food = await service.eligible(themes=["食品安全"], category=None, joint_action=None)
    society = reviewer("national", "society:卫生健康")
    sent = await recommend(service, health, society)
    assert sent.status_code == 201, sent.text
    assert (sent.json()["level"], sent.json()["origin"]) == ("national", "national:society:卫生健康")
    problem(await recommend(service, food, society), 403, "管辖")
    problem(await act(service, sent.json()["id"], "endorse", society, opinion="x"), 403)
    assert (await act(service, sent.json()["id"], "endorse", NATIONAL, opinion="入选")).json()["status"] == "selected"


async def test_societies_do_not_recommend_where_the_campaign_says_so(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(societies=False)), unit())
    activity_id = await service.eligible(themes=["卫生健康"])
    problem(await recommend(service, activity_id, reviewer("national", "society:卫生健康")), 403, "学会")


async def test_only_a_registered_approved_and_info_completed_activity_is_recommended(service: Service) -> None:
    await service.feed(campaign(), unit())
    pending = activity()
    await service.feed(pending, info_completed(pending.subject))
    problem(await recommend(service, pending.subject), 422, "内容审核")

    incomplete = activity()
    await service.feed(incomplete)
    approved = await service.client.post(
        f"/api/v1/review/activities/{incomplete.subject}/approve", json={}, headers=admin()
    )
    assert approved.status_code == 200, approved.text
    problem(await recommend(service, incomplete.subject), 422, "信息须已完善")

    gone = await service.eligible()
    await service.feed(withdrawn(gone))
    problem(await recommend(service, gone), 422, "未撤销")
    problem(await recommend(service, "no-such-activity"), 404)
    assert await _count(service) == 0


async def test_nobody_acts_outside_their_jurisdiction_or_level(service: Service) -> None:
    await service.feed(campaign(), unit(), unit("unit-2", "610102"))
    ours = await service.eligible()
    xian = await service.eligible(unit_id="unit-2", region_code="610102")
    problem(await recommend(service, xian), 403, "管辖")
    problem(await recommend(service, ours, reviewer("county", "610503")), 403)
    problem(await recommend(service, ours, organizer()), 403)
    assert (await service.client.post("/api/v1/recommendations", json=nomination(ours))).status_code == 401

    rec = (await recommend(service, ours)).json()
    problem(await act(service, rec["id"], "endorse", reviewer("city", "6101"), opinion="x"), 403)
    problem(await act(service, rec["id"], "endorse", PROVINCE, opinion="x"), 403, "city")
    problem(await act(service, rec["id"], "decline", COUNTY, reason="x"), 403)
    foreign = await service.client.get(f"/api/v1/recommendations/{rec['id']}", headers=reviewer("city", "6101"))
    problem(foreign, 404)
    assert (await service.client.get(f"/api/v1/recommendations/{rec['id']}", headers=CITY)).status_code == 200
    assert await events_of(service, rec["id"]) == [(1, "recommended")]


async def test_a_quota_is_never_exceeded_and_withdrawal_frees_a_place(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(quotas={"county": 2})), unit())
    ids = [await service.eligible() for _ in range(3)]
    first, second = [(await recommend(service, i)).json() for i in ids[:2]]
    problem(await recommend(service, ids[2]), 409, "名额", "2")
    withdrawn_ = await act(service, first["id"], "withdraw", COUNTY, reason="换一个")
    assert withdrawn_.json()["status"] == "withdrawn"
    assert (await recommend(service, ids[2])).status_code == 201
    assert (await recommend(service, ids[0])).status_code == 409  # the place went to the third
    problem(await act(service, second["id"], "withdraw", CITY), 403)
    assert (await act(service, second["id"], "endorse", CITY, opinion="同意")).status_code == 200
    problem(await act(service, second["id"], "withdraw", COUNTY), 409, "不能撤回")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_quota_holds_under_concurrent_requests(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(quotas={"county": 3, "city": 2})), unit())
    ids = [await service.eligible() for _ in range(12)]
    answers = await asyncio.gather(*(recommend(service, i) for i in ids))
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 9
    assert all("名额" in a.json()["detail"] for a in answers if a.status_code == 409)
    sent = [a.json()["id"] for a in answers if a.status_code == 201]
    endorsed = await asyncio.gather(*(act(service, i, "endorse", CITY, opinion="同意") for i in sent))
    assert sorted(a.status_code for a in endorsed) == [200, 200, 409]
    async with service.container.backbone.engine.connect() as connection:
        used = (await connection.execute(select(quota_slots.c.body, func.count()).group_by(quota_slots.c.body))).all()
    assert sorted(used) == [("city:6105", 2), ("county:610502", 3)]


async def test_one_open_recommendation_per_activity_and_no_act_on_an_ended_one(service: Service) -> None:
    await service.feed(campaign(), unit())
    activity_id = await service.eligible()
    rec = (await recommend(service, activity_id)).json()
    problem(await recommend(service, activity_id), 409, "已被推荐")
    declined = await act(service, rec["id"], "decline", CITY, reason="材料不全")
    assert declined.json()["status"] == "declined"
    problem(await act(service, rec["id"], "endorse", CITY, opinion="x"), 409)
    problem(await act(service, rec["id"], "commend", admin()), 422, "selected")
    again = await recommend(service, activity_id)
    assert again.status_code == 201, "a declined recommendation frees its subject"
    assert await events_of(service, rec["id"]) == [(1, "recommended"), (2, "recommendation-declined")]


async def test_deadlines_and_windows_are_named_when_they_refuse(service: Service) -> None:
    yesterday, soon = date.today() - timedelta(days=1), date.today() + timedelta(days=5)
    await service.feed(
        campaign("closed", recommendation_deadline=yesterday),
        campaign("later", recommendation=chain(windows={"county": {"opens_on": soon.isoformat()}})),
        unit(),
    )
    closed = await service.eligible(campaign_id="closed")
    problem(await recommend(service, closed, campaign_id="closed"), 422, yesterday.isoformat(), "截止")
    later = await service.eligible(campaign_id="later")
    problem(await recommend(service, later, campaign_id="later"), 422, soon.isoformat())
    problem(await recommend(service, later, campaign_id="no-such-campaign"), 404)
    await service.feed(campaign("silent", recommendation={}))
    silent = await service.eligible(campaign_id="silent")
    problem(await recommend(service, silent, campaign_id="silent"), 422, "没有推荐环节")


async def test_commendation_is_national_and_once(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(levels=["province"])), unit())
    rec = (await recommend(service, await service.eligible(), PROVINCE)).json()
    problem(await act(service, rec["id"], "commend", admin()), 422)
    await act(service, rec["id"], "endorse", NATIONAL, opinion="入选")
    problem(await act(service, rec["id"], "commend", PROVINCE), 403)
    problem(await act(service, rec["id"], "commend", reviewer("national", "society:卫生健康")), 403)
    assert (await act(service, rec["id"], "commend", admin())).status_code == 200
    problem(await act(service, rec["id"], "commend", admin()), 409)


async def test_units_are_recommended_with_form_2(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(unit_quotas={"county": 1})), unit(), unit("unit-2"))
    await service.eligible()
    form = {
        "campaign_id": "2026",
        "unit_id": "unit-1",
        "unit_level": "县级",
        "staff_count": 120,
        "contact_name": "李明",
        "contact_phone": "0913-2123456",
        "deeds": "组织开展科普活动 30 场",
        "opinion": "同意推荐",
    }
    sent = await service.client.post("/api/v1/recommendations/units", json=form, headers=COUNTY)
    assert sent.status_code == 201, sent.text
    assert (sent.json()["kind"], sent.json()["form"]["staff_count"]) == ("unit", 120)
    none = await service.client.post(
        "/api/v1/recommendations/units", json={**form, "unit_id": "unit-2"}, headers=COUNTY
    )
    problem(none, 422, "没有登记活动")
    await service.eligible(unit_id="unit-2")
    full = await service.client.post(
        "/api/v1/recommendations/units", json={**form, "unit_id": "unit-2"}, headers=COUNTY
    )
    problem(full, 409, "名额")


async def test_a_unit_whose_activities_name_no_field_is_still_recommended(service: Service) -> None:
    """A campaign without lists leaves category, joint action and themes empty: the unit has
    registered an activity all the same, and only a withdrawn one does not count."""
    await service.feed(campaign(), unit(), unit("unit-2"))
    await service.feed(activity(category=None, joint_action=None, themes=[]))
    gone = activity(unit_id="unit-2", category=None, joint_action=None, themes=[])
    await service.feed(gone, withdrawn(gone.subject))
    form = {
        "campaign_id": "2026",
        "unit_id": "unit-1",
        "unit_level": "县级",
        "staff_count": 12,
        "contact_name": "李明",
        "contact_phone": "0913-2123456",
        "deeds": "组织开展科普活动 3 场",
    }
    sent = await service.client.post("/api/v1/recommendations/units", json=form, headers=COUNTY)
    assert sent.status_code == 201, sent.text
    assert sent.json()["kind"] == "unit"
    refused = await service.client.post(
        "/api/v1/recommendations/units", json={**form, "unit_id": "unit-2"}, headers=COUNTY
    )
    problem(refused, 422, "没有登记活动")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"reason": ""}, "reason"),
        ({"main_content": "长" * 2001}, "main_content"),
        ({"surprise": 1}, "surprise"),
        ({"campaign_id": ""}, "campaign_id"),
        ({"staff_count": 3}, "staff_count"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    service: Service, change: dict[str, Any], field: str
) -> None:
    await service.feed(campaign(), unit())
    activity_id = await service.eligible()
    answer = await recommend(service, activity_id, **change)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["field"] for e in answer.json()["errors"]), answer.json()
    assert await _count(service) == 0


async def _count(service: Service) -> int:
    async with service.container.backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(recommendations)) or 0)


async def test_the_view_reads_reviews_own_verdicts_back_from_the_stream(service: Service) -> None:
    """A rebuilt view gets its verdicts from the reviews stream; a redelivered old one changes nothing."""
    from services.review.adapters.tables import review_activities
    from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
    from tests.review.conftest import envelope

    registered = activity()
    approved = envelope(ActivityApproved(activity_id=registered.subject, reviewer_body="city:6105"), "v-1", 1)
    rejected = envelope(
        ActivityRejected(activity_id=registered.subject, reviewer_body="city:6105", reason="缺少地址"), "v-1", 2
    )
    await service.feed(campaign(), registered, approved, rejected)
    await service.feed(approved)
    t = review_activities
    async with service.container.backbone.engine.connect() as connection:
        row = (await connection.execute(select(t).where(t.c.activity_id == registered.subject))).one()
    assert (row.review, row.review_version, row.review_reason, row.reviewed_by) == (
        "rejected",
        2,
        "缺少地址",
        "city:6105",
    )
