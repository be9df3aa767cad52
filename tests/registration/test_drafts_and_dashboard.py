"""Drafts are saved incomplete and submitted when whole; the dashboard shows the unit's activities
with status, review outcome, completeness and the deadlines that still apply."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shared.events import CATALOG
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from tests.factories import activity_body, message

from .conftest import Service
from .test_activities import rows


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_draft_is_saved_incomplete_changed_and_submitted(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    saved = await service.client.post(
        "/api/v1/drafts", json={"name": "食品安全讲座", "campaign_id": "2026"}, headers=me
    )
    assert saved.status_code == 201 and saved.headers["ETag"] == '"1"'
    url = saved.headers["Location"]
    incomplete = await service.client.post(f"{url}/submission", headers={**me, "If-Match": '"1"'})
    assert incomplete.status_code == 422
    missing = {e["field"] for e in incomplete.json()["errors"]}
    assert {"organizer", "starts_at", "region_code", "contact_phone"} <= missing
    assert await rows(service, "activities") == 0

    whole = await service.client.put(url, json=activity_body(), headers={**me, "If-Match": '"1"'})
    assert whole.status_code == 200 and whole.headers["ETag"] == '"2"'
    stale = await service.client.put(url, json={"name": "旧的修改"}, headers={**me, "If-Match": '"1"'})
    assert stale.status_code == 409
    submitted = await service.client.post(f"{url}/submission", headers={**me, "If-Match": '"2"'})
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["id"] == saved.json()["id"] and submitted.json()["status"] == "registered"
    assert await rows(service, "drafts") == 0 and await rows(service, "activities") == 1


async def test_drafts_are_private_to_the_unit_and_bounded_like_registrations(service: Service) -> None:
    mine, theirs = await service.organizer(), await service.organizer(name="渭南市科技馆")
    saved = await service.client.post("/api/v1/drafts", json={"name": "观星夜"}, headers=mine)
    url = saved.headers["Location"]
    assert (await service.client.get(url, headers=theirs)).status_code == 404
    assert (await service.client.delete(url, headers=theirs)).status_code == 404
    assert (await service.client.get("/api/v1/drafts", headers=theirs)).json()["items"] == []
    too_long = await service.client.post("/api/v1/drafts", json={"name": "科" * 101}, headers=mine)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "name"
    assert (await service.client.post("/api/v1/drafts", json={"bogus": 1}, headers=mine)).status_code == 422
    assert (await service.client.delete(url, headers=mine)).status_code == 204
    assert await rows(service, "drafts") == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_the_dashboard_pages_through_the_units_activities_with_their_deadlines(service: Service) -> None:
    today = datetime.now(UTC).date()
    await service.campaign(info_completion_deadline=today + timedelta(days=30), auto_approve=False)
    me, other = await service.organizer(), await service.organizer(name="渭南市科技馆")
    ids = []
    for n in range(5):
        created = await service.client.post(
            "/api/v1/activities", json=activity_body(name=f"科普讲座第{n}场"), headers=me
        )
        ids.append(created.json()["id"])
    await service.client.post("/api/v1/activities", json=activity_body(), headers=other)
    await service.client.post("/api/v1/drafts", json={"name": "未完成的草稿"}, headers=me)

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await service.client.get("/api/v1/dashboard", params=params, headers=me)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    item = page["items"][-1]
    assert item["review_status"] == "pending" and item["completeness"] == 0
    assert item["deadlines"] == {"info_completion_deadline": (today + timedelta(days=30)).isoformat()}
    assert page["counts"] == {"registered": 5, "review_pending": 5} and page["drafts"] == 1
    [campaign] = page["campaigns"]
    assert campaign["campaign_id"] == "2026" and "registration_closes_on" in campaign["deadlines"]
    assert page["unit"]["name"] == "渭南市临渭区实验中学"  # the workbench's header names the unit
    theirs = (await service.client.get("/api/v1/dashboard", headers=other)).json()["unit"]
    assert theirs["name"] == "渭南市科技馆" and theirs["id"] != page["unit"]["id"]

    bad = await service.client.get("/api/v1/dashboard", params={"cursor": "not-ours"}, headers=me)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    assert (await service.client.get("/api/v1/dashboard", headers=await service.admin())).status_code == 403


async def test_review_verdicts_on_the_stream_reach_the_dashboard(service: Service) -> None:
    await service.campaign(auto_approve=False)
    me = await service.organizer()
    first, second = [
        (await service.client.post("/api/v1/activities", json=activity_body(name=f"科普讲座{n}"), headers=me)).json()
        for n in range(2)
    ]
    verdicts = [
        CATALOG.envelope(
            ActivityApproved(activity_id=first["id"], reviewer_body="6105"),
            subject=first["id"],
            sequence=1,
            source="/review",
        ),
        CATALOG.envelope(
            ActivityRejected(activity_id=second["id"], reviewer_body="6105", reason="活动地点不详"),
            subject=second["id"],
            sequence=1,
            source="/review",
        ),
    ]
    await service.container.backbone.bus.publish([message(e) for e in verdicts])
    async with asyncio.timeout(30):
        while True:
            items = {i["id"]: i for i in (await service.client.get("/api/v1/dashboard", headers=me)).json()["items"]}
            if items[second["id"]]["review_status"] == "rejected":
                break
            await asyncio.sleep(0.05)
    assert items[first["id"]]["review_status"] == "approved"
    assert items[second["id"]]["review_reason"] == "活动地点不详"
    # the organizer revises the rejected activity: it goes back to the review queue
    details = {
        k: v
        for k, v in activity_body(name="科普讲座1", address="渭南市临渭区人民街 9 号").items()
        if k != "campaign_id"
    }
    revised = await service.client.put(
        f"/api/v1/activities/{second['id']}", json=details, headers={**me, "If-Match": '"1"'}
    )
    assert revised.json()["review_status"] == "pending"
