"""Content review through HTTP: the queue of a body's jurisdiction, approve, reject, bulk approve,
the events they publish, and every rule broken on purpose."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from shared.events import Envelope
from shared.web.cursor import encode_cursor

from .conftest import Service, activity, admin, organizer, reviewer, updated, withdrawn

QUEUE = "/api/v1/review/queue"
BULK = "/api/v1/review/activities/approve"
T0 = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)
BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def at(envelope: Envelope, minutes: int) -> Envelope:
    """``envelope`` registered ``minutes`` after T0 (the view's registered_at is the event's time)."""
    return envelope.model_copy(update={"time": T0 + timedelta(minutes=minutes)})


def approve_url(activity_id: str) -> str:
    return f"/api/v1/review/activities/{activity_id}/approve"


def reject_url(activity_id: str) -> str:
    return f"/api/v1/review/activities/{activity_id}/reject"


async def queue(service: Service, who: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = await service.client.get(QUEUE, params=params, headers=who)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def ids_in(service: Service, who: dict[str, str], **params: Any) -> list[str]:
    return [item["activity_id"] for item in (await queue(service, who, limit=200, **params))["items"]]


async def events_of(service: Service, activity_id: str) -> list[tuple[int, str, dict[str, Any]]]:
    backbone = service.container.backbone
    async with backbone.engine.connect() as connection:
        stored = await backbone.recorder.load(connection, activity_id)
    return [(e.sequence, e.type, e.data) for e in stored]


async def count(service: Service, table: str) -> int:
    backbone = service.container.backbone
    t = backbone.tables.events if table == "events" else backbone.tables.outbox
    async with backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(t)) or 0)


@BOTH
async def test_the_queue_pages_in_registration_order_with_counts(service: Service) -> None:
    ours = [at(activity(region_code=code), minutes) for code, minutes in [("610502", 3), ("610521", 1), ("6105", 2)]]
    tie = sorted([at(activity(region_code="610502"), 4) for _ in range(2)], key=lambda e: e.subject)
    foreign = at(activity(region_code="610302"), 0)
    await service.feed(*ours, *tie, foreign)
    city = reviewer("city", "6105")
    expected = [ours[1].subject, ours[2].subject, ours[0].subject, tie[0].subject, tie[1].subject]

    seen, cursor, pages = [], None, 0
    while True:
        page = await queue(service, city, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["activity_id"] for item in page["items"]]
        pages += 1
        assert page["counts"] == {"pending": 5, "approved": 0, "rejected": 0}
        if (cursor := page["next_cursor"]) is None:
            break
    assert (seen, pages) == (expected, 3)
    first = (await queue(service, city, limit=1))["items"][0]
    assert first["registered_at"].startswith("2026-08-20T09:01:00")
    assert (first["review"], first["review_version"], first["themes"]) == ("pending", 0, ["卫生健康"])

    answer = await service.client.post(approve_url(expected[0]), json={}, headers=city)
    assert answer.status_code == 200, answer.text
    assert (await queue(service, city))["counts"] == {"pending": 4, "approved": 1, "rejected": 0}
    assert await ids_in(service, city, status="approved") == [expected[0]]
    assert foreign.subject in await ids_in(service, admin())
    assert foreign.subject not in seen


@BOTH
async def test_verdicts_are_events_of_the_activity_with_its_own_sequence(service: Service) -> None:
    registered = activity(campaign_id="2026")
    await service.feed(registered)
    activity_id, city = registered.subject, reviewer("city", "6105")

    answer = await service.client.post(approve_url(activity_id), json={"note": "内容健康"}, headers=city)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["review"], body["review_version"], body["reviewed_by"]) == ("approved", 1, "city:6105")
    assert body["review_reason"] == "内容健康"

    answer = await service.client.post(reject_url(activity_id), json={"reason": "含广告内容"}, headers=admin())
    assert answer.status_code == 200, answer.text
    assert answer.json()["review"] == "rejected"
    assert answer.json()["review_version"] == 2
    answer = await service.client.post(approve_url(activity_id), json={}, headers=city)
    assert (answer.status_code, answer.json()["review_version"]) == (200, 3)

    assert await events_of(service, activity_id) == [
        (1, "activity-approved", {"activity_id": activity_id, "reviewer_body": "city:6105"}),
        (2, "activity-rejected", {"activity_id": activity_id, "reviewer_body": "national:CN", "reason": "含广告内容"}),
        (3, "activity-approved", {"activity_id": activity_id, "reviewer_body": "city:6105"}),
    ]
    backbone = service.container.backbone
    async with backbone.engine.connect() as connection:
        o = backbone.tables.outbox
        rows = (await connection.execute(select(o.c.topic, o.c.key).order_by(o.c.id))).all()
        e = backbone.tables.events
        campaigns = set(await connection.scalars(select(e.c.campaign).where(e.c.aggregate_id == activity_id)))
    assert [(topic, key) for topic, key in rows] == [("kepuri.reviews.v1", activity_id.encode())] * 3
    assert campaigns == {"2026"}


async def test_a_rejected_activity_revised_comes_back_as_pending(service: Service) -> None:
    registered = activity()
    await service.feed(registered)
    activity_id, county = registered.subject, reviewer("county", "610502")
    answer = await service.client.post(reject_url(activity_id), json={"reason": "  活动名称不规范 "}, headers=county)
    assert (answer.status_code, answer.json()["review_reason"]) == (200, "活动名称不规范")
    assert activity_id not in await ids_in(service, county)
    assert await ids_in(service, county, status="rejected") == [activity_id]

    await service.feed(updated(activity_id, name="走进科技馆·科普讲座"))
    page = await queue(service, county)
    assert [(i["activity_id"], i["review"], i["name"]) for i in page["items"]] == [
        (activity_id, "pending", "走进科技馆·科普讲座")
    ]
    assert page["counts"] == {"pending": 1, "approved": 0, "rejected": 0}
    answer = await service.client.post(approve_url(activity_id), headers=county)
    assert (answer.status_code, answer.json()["review_version"]) == (200, 2)


async def test_the_queue_filters_by_campaign_region_category_and_status(service: Service) -> None:
    a = activity(region_code="610502", category="科普讲座")
    b = activity(region_code="610521", category="科普展览")
    c = activity(region_code="610502", category="科普展览", campaign_id="2027")
    gone = activity(region_code="610502")
    await service.feed(a, b, c, gone, withdrawn(gone.subject))
    city = reviewer("city", "6105")
    assert set(await ids_in(service, city)) == {a.subject, b.subject, c.subject}
    assert set(await ids_in(service, city, campaign_id="2026")) == {a.subject, b.subject}
    assert set(await ids_in(service, city, region="610502")) == {a.subject, c.subject}
    assert await ids_in(service, city, category="科普展览", campaign_id="2026") == [b.subject]
    counts = (await queue(service, city, campaign_id="2026", category="科普展览"))["counts"]
    assert counts == {"pending": 1, "approved": 0, "rejected": 0}
    # a county asking for its neighbour's region sees nothing of it, and no counts either
    page = await queue(service, reviewer("county", "610521"), region="610502")
    assert page["items"] == [] and page["counts"] == {"pending": 0, "approved": 0, "rejected": 0}


@pytest.mark.parametrize(
    ("level", "jurisdiction"),
    [("county", "610302"), ("city", "6103"), ("province", "62"), ("national", "society:天文")],
)
async def test_a_body_never_sees_or_judges_outside_its_jurisdiction(
    service: Service, level: str, jurisdiction: str
) -> None:
    registered = activity(region_code="610502", category="科普讲座", joint_action=None, themes=["卫生健康"])
    await service.feed(registered)
    activity_id, body = registered.subject, reviewer(level, jurisdiction)
    for status in ("pending", "approved", "rejected"):
        page = await queue(service, body, status=status, region="61")
        assert page["items"] == [] and page["counts"] == {"pending": 0, "approved": 0, "rejected": 0}
    for url, json in [(approve_url(activity_id), {}), (reject_url(activity_id), {"reason": "不合适"})]:
        answer = await service.client.post(url, json=json, headers=body)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"] == "/problems/outside-jurisdiction"
    answer = await service.client.post(BULK, json={"activity_ids": [activity_id]}, headers=body)
    assert answer.status_code == 403, answer.text
    assert await events_of(service, activity_id) == []


async def test_a_national_society_judges_activities_in_its_field_anywhere(service: Service) -> None:
    themed = activity(region_code="440305", category="科普讲座", joint_action=None, themes=["食品安全", "卫生健康"])
    joint = activity(region_code="610502", category="科普讲座", joint_action="卫生健康", themes=[])
    other = activity(region_code="610502", category="科普讲座", joint_action=None, themes=["卫生健康科普"])
    await service.feed(themed, joint, other)
    society = reviewer("national", "society:卫生健康")
    assert set(await ids_in(service, society)) == {themed.subject, joint.subject}
    answer = await service.client.post(approve_url(themed.subject), json={}, headers=society)
    assert (answer.status_code, answer.json()["reviewed_by"]) == (200, "national:society:卫生健康")
    answer = await service.client.post(approve_url(other.subject), json={}, headers=society)
    assert answer.status_code == 403, answer.text


async def test_only_reviewers_and_admins_with_a_token_may_review(service: Service) -> None:
    registered = activity()
    await service.feed(registered)
    calls = [
        ("GET", QUEUE, None),
        ("POST", approve_url(registered.subject), {}),
        ("POST", reject_url(registered.subject), {"reason": "不合适"}),
        ("POST", BULK, {"activity_ids": [registered.subject]}),
    ]
    for method, url, json in calls:
        answer = await service.client.request(method, url, json=json, headers=organizer())
        assert answer.status_code == 403, (url, answer.text)
        answer = await service.client.request(method, url, json=json)
        assert answer.status_code == 401, (url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await count(service, "events") == 0


async def test_unknown_and_withdrawn_activities_are_refused(service: Service) -> None:
    gone = activity()
    await service.feed(gone, withdrawn(gone.subject))
    city = reviewer("city", "6105")
    for url, json in [(approve_url, {}), (reject_url, {"reason": "不合适"})]:
        answer = await service.client.post(url("no-such-activity"), json=json, headers=city)
        assert (answer.status_code, answer.json()["type"]) == (404, "/problems/unknown"), answer.text
        answer = await service.client.post(url(gone.subject), json=json, headers=city)
        assert (answer.status_code, answer.json()["type"]) == (409, "/problems/wrong-state"), answer.text
    assert await ids_in(service, city) == []
    assert await count(service, "events") == 0


async def test_the_same_verdict_twice_is_a_conflict(service: Service) -> None:
    registered = activity()
    await service.feed(registered)
    city = reviewer("city", "6105")
    assert (await service.client.post(approve_url(registered.subject), json={}, headers=city)).status_code == 200
    answer = await service.client.post(approve_url(registered.subject), json={}, headers=admin())
    assert answer.status_code == 409 and "already approved" in answer.json()["detail"]
    reason = {"reason": "图片不清晰"}
    assert (await service.client.post(reject_url(registered.subject), json=reason, headers=city)).status_code == 200
    answer = await service.client.post(reject_url(registered.subject), json=reason, headers=city)
    assert answer.status_code == 409 and "already rejected" in answer.json()["detail"]
    assert [seq for seq, _t, _d in await events_of(service, registered.subject)] == [1, 2]


async def test_racing_approvals_land_once(service: Service) -> None:
    registered = activity()
    await service.feed(registered)
    answers = await asyncio.gather(
        *(service.client.post(approve_url(registered.subject), json={}, headers=admin()) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert [seq for seq, _t, _d in await events_of(service, registered.subject)] == [1]


async def test_invalid_requests_are_422(service: Service) -> None:
    registered = activity()
    await service.feed(registered)
    city, url = reviewer("city", "6105"), reject_url(registered.subject)
    for json in [{}, {"reason": ""}, {"reason": "   "}, {"reason": "长" * 501}, {"reason": "x", "extra": 1}]:
        answer = await service.client.post(url, json=json, headers=city)
        assert answer.status_code == 422, (json, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    answer = await service.client.post(approve_url(registered.subject), json={"note": "长" * 501}, headers=city)
    assert answer.status_code == 422
    for ids in [[], [registered.subject, registered.subject], [uuid.uuid4().hex for _ in range(501)]]:
        answer = await service.client.post(BULK, json={"activity_ids": ids}, headers=city)
        assert answer.status_code == 422, answer.text
    wrong: list[dict[str, Any]] = [
        {"cursor": "bm90LWEtY3Vyc29y"},
        {"cursor": "WyJ4IiwiYSJd"},
        {"cursor": encode_cursor(["0001-01-01T00:00:00+08:00", "a1"])},  # before UTC's year 1: no overflow
        {"cursor": encode_cursor(["9999-12-31T20:00:00-05:00", "a1"])},
        {"status": "held"},
        {"limit": 0},
    ]
    for params in wrong:
        answer = await service.client.get(QUEUE, params=params, headers=city)
        assert answer.status_code == 422, (params, answer.text)
    assert await count(service, "events") == 0


@BOTH
async def test_bulk_approval_is_all_or_nothing(service: Service) -> None:
    ours = [activity(region_code="610502") for _ in range(3)]
    foreign, gone = activity(region_code="610302"), activity(region_code="610521")
    await service.feed(*ours, foreign, gone, withdrawn(gone.subject))
    city, ids = reviewer("city", "6105"), [a.subject for a in ours]

    refusals = [
        ([*ids, foreign.subject], 403, {foreign.subject: 403}),
        ([*ids, "no-such-activity"], 404, {"no-such-activity": 404}),
        ([*ids, gone.subject], 409, {gone.subject: 409}),
        (
            [foreign.subject, *ids, "no-such-activity", gone.subject],
            403,
            {foreign.subject: 403, "no-such-activity": 404, gone.subject: 409},
        ),
    ]
    for request, status, named in refusals:
        answer = await service.client.post(BULK, json={"activity_ids": request}, headers=city)
        assert answer.status_code == status, answer.text
        problem = answer.json()
        assert problem["type"] == "/problems/bulk-refused"
        assert {e["activity_id"]: e["status"] for e in problem["errors"]} == named
        assert (await count(service, "events"), await count(service, "outbox")) == (0, 0)
        assert (await queue(service, city))["counts"] == {"pending": 3, "approved": 0, "rejected": 0}

    assert (await service.client.post(approve_url(ids[1]), json={}, headers=city)).status_code == 200
    answer = await service.client.post(BULK, json={"activity_ids": ids}, headers=city)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "approved": 2,
        "unchanged": 1,
        "results": [
            {"activity_id": ids[0], "outcome": "approved", "review_version": 1},
            {"activity_id": ids[1], "outcome": "unchanged", "review_version": 1},
            {"activity_id": ids[2], "outcome": "approved", "review_version": 1},
        ],
    }
    for activity_id in ids:
        assert [(s, t) for s, t, _d in await events_of(service, activity_id)] == [(1, "activity-approved")]
    assert (await queue(service, city))["counts"] == {"pending": 0, "approved": 3, "rejected": 0}
    assert await count(service, "outbox") == 3


@pytest.mark.parametrize("campaign", [None, "2026"])
async def test_a_countys_queue_and_its_counts_are_read_through_an_index_on_its_region(
    service: Service, campaign: str | None
) -> None:
    """Each read of the queue finds the body's region as a range on an index (ix_review_scope within a
    campaign, ix_review_activities_region across campaigns), never going through every activity: with
    the region as a LIKE, which no index serves, a county's queue page took ~200 ms at 500,000
    activities (docs/benchmarks/history.md §23)."""
    await service.feed(*(activity(region_code=code) for code in ("610502", "610521", "610302")))
    engine = service.container.backbone.engine
    statements: list[tuple[str, Any]] = []

    def seen(_connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM review_activities" in statement:
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        page = await queue(service, reviewer("county", "610502"), **({"campaign_id": campaign} if campaign else {}))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)

    assert page["counts"] == {"pending": 1, "approved": 0, "rejected": 0}
    assert len(statements) == 2  # the page, its counts
    index = "ix_review_scope" if campaign else "ix_review_activities_region"
    async with engine.connect() as connection:
        for statement, parameters in statements:
            plan = [row[-1] for row in await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            searched = [step for step in plan if step.startswith("SEARCH review_activities")]
            assert len(searched) == 1 and index in searched[0] and "region_code>? AND region_code<?" in searched[0], (
                plan
            )
            assert not any(step.startswith("SCAN review_activities") for step in plan), plan
