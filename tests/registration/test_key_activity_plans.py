"""The Weinan notice's 附件1: counties report their key activities to the city by 9月10日, and the city
collects (汇总) and signs them off; after the deadline no new key activity, after the sign-off the
county's key activities are locked until the city reopens the sheet (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.registration.domain.campaign import chinese_date
from shared.events.topics import CAMPAIGNS
from tests.factories import activity_body

from .conftest import Service
from .test_activities import outbox, rows


def weinan(deadline: datetime) -> dict[str, object]:
    return {"settings": {"region_code": "6105", "key_activity_plan_deadline": deadline.date().isoformat()}}


def changed(body: dict[str, object], **changes: object) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "campaign_id"} | changes


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_after_the_deadline_no_new_key_activity_joins_the_plan(service: Service) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await service.campaign(**weinan(yesterday))
    me = await service.organizer()
    refused = await service.client.post("/api/v1/activities", json=activity_body(key_activity=True), headers=me)
    assert refused.status_code == 422
    assert chinese_date(yesterday.date()) in refused.json()["detail"] and "附件1" in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "key_activity"
    # an ordinary activity still registers until registration closes; it cannot become a key one now
    plain = await service.client.post("/api/v1/activities", json=activity_body(key_activity=False), headers=me)
    assert plain.status_code == 201, plain.text
    url = f"/api/v1/activities/{plain.json()['id']}"
    flagged = await service.client.put(
        url, json=changed(activity_body(), key_activity=True), headers={**me, "If-Match": '"1"'}
    )
    assert flagged.status_code == 422 and flagged.json()["errors"][0]["field"] == "key_activity"
    assert await rows(service, "activities") == 1


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_the_city_signs_a_countys_sheet_off_and_it_is_locked_until_reopened(service: Service) -> None:
    await service.campaign(**weinan(datetime.now(UTC) + timedelta(days=5)))
    me = await service.organizer()
    key = await service.client.post("/api/v1/activities", json=activity_body(key_activity=True), headers=me)
    assert key.status_code == 201, key.text
    city = await service.staff("reviewer", "city", "6105")
    county = await service.staff("reviewer", "county", "610502")
    other_city = await service.staff("reviewer", "city", "6101")

    summary = await service.client.get("/api/v1/key-activity-plans", params={"campaign_id": "2026"}, headers=city)
    assert summary.status_code == 200, summary.text
    lines = {line["region_code"]: line for line in summary.json()["items"]}
    assert lines["610502"]["name"] == "临渭区" and lines["610502"]["status"] == "submitted"
    assert lines["610502"]["key_activities"] == 1 and lines["610522"]["status"] == "not_submitted"

    url = "/api/v1/key-activity-plans/610502/sign-off"
    refused = await service.client.post(url, params={"campaign_id": "2026"}, headers=other_city)
    assert refused.status_code == 403
    refused = await service.client.post(url, params={"campaign_id": "2026"}, headers=county)
    assert refused.status_code == 403
    signed = await service.client.post(url, params={"campaign_id": "2026"}, headers=city)
    assert signed.status_code == 200 and signed.json()["status"] == "signed_off"
    again = await service.client.post(url, params={"campaign_id": "2026"}, headers=city)
    assert again.status_code == 200  # signing off twice changes nothing
    events = [(kind, data) for kind, data in await outbox(service, CAMPAIGNS.name) if kind.startswith("key-")]
    assert [(kind, data["region_code"], data["key_activities"]) for kind, data in events] == [
        ("key-activities-signed-off", "610502", 1)
    ]
    seen = await service.client.get("/api/v1/key-activity-plans", params={"campaign_id": "2026"}, headers=county)
    assert [(line["region_code"], line["status"]) for line in seen.json()["items"]] == [("610502", "signed_off")]

    # locked: no change, no withdrawal, no new key activity in the county; ordinary ones go on
    activity = f"/api/v1/activities/{key.json()['id']}"
    for answer in (
        await service.client.put(
            activity, json=changed(activity_body(key_activity=True), name="改名"), headers={**me, "If-Match": '"1"'}
        ),
        await service.client.post(f"{activity}/withdrawal", json={}, headers={**me, "If-Match": '"1"'}),
        await service.client.post("/api/v1/activities", json=activity_body(key_activity=True), headers=me),
    ):
        assert answer.status_code == 422 and "已由市科协签收" in answer.json()["detail"], answer.text
    plain = await service.client.post("/api/v1/activities", json=activity_body(key_activity=False), headers=me)
    assert plain.status_code == 201

    reopened = await service.client.post(
        "/api/v1/key-activity-plans/610502/reopening", params={"campaign_id": "2026"}, headers=city
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "submitted"
    renamed = await service.client.put(
        activity, json=changed(activity_body(key_activity=True), name="改名"), headers={**me, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text


async def test_a_campaign_without_a_plan_has_no_sign_off(service: Service) -> None:
    await service.campaign()
    city = await service.staff("reviewer", "city", "6105")
    refused = await service.client.post(
        "/api/v1/key-activity-plans/610502/sign-off", params={"campaign_id": "2026"}, headers=city
    )
    assert refused.status_code == 422 and "附件1" in refused.json()["detail"]
