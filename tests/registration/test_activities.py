"""The activity lifecycle through the API: register inside the window, change with If-Match, withdraw,
complete the info; strict validation; only the unit's own activities; contacts only where allowed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.registration.adapters.tables import activities, metadata, science_workers
from services.registration.domain.campaign import Window
from services.registration.domain.errors import RuleBroken
from services.registration.service.activities import CampaignBook
from shared.bus.message import decode_headers
from shared.events import CATALOG
from shared.events.topics import ACTIVITIES, CONTACTS
from tests.factories import activity_body

from .conftest import Service


async def rows(service: Service, table: str) -> int:
    async with service.container.backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)


async def outbox(service: Service, topic: str) -> list[tuple[str, dict[str, object]]]:
    """The (event type, data) of each outbox row on ``topic``, oldest first."""
    t = metadata.tables["outbox"]
    async with service.container.backbone.engine.connect() as connection:
        result = await connection.execute(select(t.c.headers, t.c.value).where(t.c.topic == topic).order_by(t.c.id))
        return [(dict(decode_headers(h))["ce_type"].decode(), json.loads(v)) for h, v in result]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_an_organizer_registers_changes_and_withdraws_an_activity(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    registered = activity_body()
    created = await service.client.post("/api/v1/activities", json=registered, headers=me)
    assert created.status_code == 201, created.text
    activity = created.json()
    assert created.headers["ETag"] == '"1"' and activity["status"] == "registered"
    assert activity["contact_phone"] == "13812345678" and len(activity["science_workers"]) == 2
    assert activity["completeness"] == 0 and activity["review_status"] == "approved"  # the campaign auto-approves

    url = f"/api/v1/activities/{activity['id']}"
    changed = await service.client.put(
        url, json=activity_body(name="食品安全进校园"), headers={**me, "If-Match": '"1"'}
    )
    assert changed.status_code == 422  # a change carries no campaign: the body is the details only
    body = {k: v for k, v in registered.items() if k != "campaign_id"} | {"name": "食品安全进校园"}
    changed = await service.client.put(url, json=body, headers={**me, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "食品安全进校园" and changed.headers["ETag"] == '"2"'
    stale = await service.client.put(url, json=body | {"name": "又一次修改"}, headers={**me, "If-Match": '"1"'})
    assert stale.status_code == 409 and stale.headers["content-type"] == "application/problem+json"

    withdrawn = await service.client.post(
        f"{url}/withdrawal", json={"reason": "场地调整"}, headers={**me, "If-Match": '"2"'}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    events = await outbox(service, ACTIVITIES.name)
    assert [type_ for type_, _ in events] == ["activity-registered", "activity-updated", "activity-withdrawn"]
    assert events[1][1]["changes"] == {"name": "食品安全进校园"}


async def test_general_events_carry_masked_contacts_and_the_restricted_topic_the_list(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    created = (await service.client.post("/api/v1/activities", json=activity_body(), headers=me)).json()
    engine = service.container.backbone.engine
    async with engine.connect() as connection:
        recorded = await service.container.backbone.recorder.load(connection, created["id"])
    [registered] = [CATALOG.payload(e) for e in recorded]
    data = registered.model_dump_json()
    assert "13812345678" not in data and "13900001111" not in data and "李明华" not in data
    assert registered.contact_phone_masked == "138****5678" and registered.science_worker_count == 2  # type: ignore[attr-defined]
    t = metadata.tables["outbox"]
    async with engine.connect() as connection:
        general = [v for (v,) in await connection.execute(select(t.c.value).where(t.c.topic != CONTACTS.name))]
        restricted = [v for (v,) in await connection.execute(select(t.c.value).where(t.c.topic == CONTACTS.name))]
    assert not any(b"13900001111" in bytes(v) for v in general)
    assert len(restricted) == 1 and b"13900001111" not in bytes(restricted[0])  # sealed with the person's key
    [(type_, listed)] = await outbox(service, CONTACTS.name)
    assert type_ == "science-workers-listed" and len(listed["workers"]) == 2  # type: ignore[arg-type]
    assert all(w["sealed"] and w["key_id"] and w["phone"] is None for w in listed["workers"])  # type: ignore[attr-defined]
    assert await rows(service, "science_workers") == 2


async def test_outside_the_registration_window_a_submission_is_refused_naming_the_window(service: Service) -> None:
    today = datetime.now(UTC).date()
    await service.campaign(registration=Window(today - timedelta(days=40), today - timedelta(days=10)))
    me = await service.organizer()
    refused = await service.client.post("/api/v1/activities", json=activity_body(), headers=me)
    assert refused.status_code == 422
    opens, closes = today - timedelta(days=40), today - timedelta(days=10)
    # the person reads the window as the site writes dates; the English part keeps ISO dates
    said = f"{opens.year}年{opens.month}月{opens.day}日至{closes.year}年{closes.month}月{closes.day}日"
    assert said in refused.json()["detail"]
    assert f"{opens.isoformat()} to {closes.isoformat()}" in refused.json()["detail"]
    assert said in refused.json()["errors"][0]["message"]
    assert refused.json()["errors"][0]["field"] == "campaign_id"
    assert await rows(service, "activities") == 0 and await rows(service, "events") == 2  # the campaign and the unit


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region_code": "619999"}, "region_code"),
        ({"format": "online", "online_url": None}, "online_url"),
        ({"format": "offline", "address": None}, "address"),
        ({"ends_at": (datetime.now(UTC) + timedelta(days=20)).isoformat()}, "ends_at"),
        ({"contact_phone": "12345678901"}, "contact_phone"),
        ({"science_workers": [{"name": "李明华", "phone": "139000011"}]}, "science_workers.0.phone"),
        (
            {"science_workers": [{"name": "李明华", "phone": "13900001111"}, {"name": "李四", "phone": "13900001111"}]},
            "science_workers.1.phone",
        ),
        ({"longitude": 2.35, "latitude": 48.85}, "longitude"),
        ({"latitude": None}, "latitude"),
        ({"category": "外星活动"}, "category"),
        ({"themes": ["太空旅游"]}, "themes"),
        ({"target_groups": ["机器人"]}, "target_groups"),
        ({"campaign_id": "1999"}, "campaign_id"),
        ({"name": "科" * 101}, "name"),
        ({"description": "长" * 2001}, "description"),
        ({"online_url": "ftp://example.cn/x"}, "online_url"),
        ({"starts_at": "2026-09-15T09:00:00"}, "starts_at"),
        ({"expected_participants": -1}, "expected_participants"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"science_workers": [{"name": "李", "phone": "13900001111"}] * 501}, "science_workers"),
    ],
)
async def test_every_rule_refuses_bad_input_with_a_problem_and_writes_nothing(
    service: Service, changes: dict[str, Any], field: str
) -> None:
    await service.campaign()
    me = await service.organizer()
    before = await rows(service, "outbox")
    refused = await service.client.post("/api/v1/activities", json=activity_body(**changes), headers=me)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in refused.json()["errors"]}
    assert await rows(service, "activities") == 0 and await rows(service, "outbox") == before


async def test_only_organizers_register_and_each_sees_only_its_own(service: Service) -> None:
    await service.campaign()
    anonymous = await service.client.post("/api/v1/activities", json=activity_body())
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    forged = await service.client.post(
        "/api/v1/activities", json=activity_body(), headers={"Authorization": "Bearer x.y.z"}
    )
    assert forged.status_code == 401
    reviewer = await service.staff("reviewer", "city", "6105")
    assert (await service.client.post("/api/v1/activities", json=activity_body(), headers=reviewer)).status_code == 403

    mine, theirs = await service.organizer(), await service.organizer(name="渭南市科技馆")
    created = (await service.client.post("/api/v1/activities", json=activity_body(), headers=mine)).json()
    url = f"/api/v1/activities/{created['id']}"
    assert (await service.client.get(url, headers=theirs)).status_code == 404
    body = {k: v for k, v in activity_body().items() if k != "campaign_id"}
    assert (await service.client.put(url, json=body, headers={**theirs, "If-Match": '"1"'})).status_code == 404
    assert (
        await service.client.post(f"{url}/withdrawal", json={}, headers={**theirs, "If-Match": '"1"'})
    ).status_code == 404
    assert (await service.client.get(url, headers=reviewer)).status_code == 404
    seen_by_admin = (await service.client.get(url, headers=await service.admin())).json()
    assert seen_by_admin["contact_phone"] == "138****5678"
    assert {w["phone"] for w in seen_by_admin["science_workers"]} == {"139****1111", "091****3456"}


async def test_a_started_activity_cannot_be_changed_or_withdrawn_but_its_info_is_completed(service: Service) -> None:
    today = datetime.now(UTC).date()
    await service.campaign(info_completion_deadline=today + timedelta(days=5))
    me = await service.organizer()
    body = activity_body(starts_in=timedelta(minutes=-30))
    created = (await service.client.post("/api/v1/activities", json=body, headers=me)).json()
    url = f"/api/v1/activities/{created['id']}"
    details = {k: v for k, v in body.items() if k != "campaign_id"}
    late = await service.client.put(url, json=details | {"name": "改个名字"}, headers={**me, "If-Match": '"1"'})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "starts_at"
    info = {
        "photo_urls": ["https://img.example.cn/1.jpg"],
        "news_urls": ["https://news.example.cn/a"],
        "actual_participants": 260,
        "summary": "现场座无虚席。",
    }
    completed = await service.client.put(f"{url}/info", json=info, headers={**me, "If-Match": '"1"'})
    assert completed.status_code == 200, completed.text
    assert completed.json()["completeness"] == 0.9 and completed.json()["missing_info"] == ["video_urls"]
    async with service.container.backbone.engine.connect() as connection:
        assert await connection.scalar(select(activities.c.completeness)) == 0.9
    assert (await service.client.put(f"{url}/info", json={}, headers={**me, "If-Match": '"2"'})).status_code == 422


async def test_info_is_not_completed_before_the_start_or_after_the_deadline(service: Service) -> None:
    today = datetime.now(UTC).date()
    await service.campaign(info_completion_deadline=today - timedelta(days=1))
    me = await service.organizer()
    early = (await service.client.post("/api/v1/activities", json=activity_body(), headers=me)).json()
    refused = await service.client.put(
        f"/api/v1/activities/{early['id']}/info", json={"summary": "提前写好"}, headers={**me, "If-Match": '"1"'}
    )
    assert refused.status_code == 422 and "starts_at" == refused.json()["errors"][0]["field"]
    held = (
        await service.client.post("/api/v1/activities", json=activity_body(starts_in=timedelta(hours=-3)), headers=me)
    ).json()
    late = await service.client.put(
        f"/api/v1/activities/{held['id']}/info", json={"summary": "迟到的总结"}, headers={**me, "If-Match": '"1"'}
    )
    assert late.status_code == 422 and (today - timedelta(days=1)).isoformat() in late.json()["detail"]
    assert await rows(service, "events") == 4  # campaign, unit, two registrations: nothing more


async def test_changing_the_science_workers_sends_the_new_list_on_the_restricted_topic_only(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    body = activity_body()
    created = (await service.client.post("/api/v1/activities", json=body, headers=me)).json()
    details = {k: v for k, v in body.items() if k != "campaign_id"}
    details["science_workers"] = [{"name": "钱学文", "phone": "13700002222"}]
    changed = await service.client.put(
        f"/api/v1/activities/{created['id']}", json=details, headers={**me, "If-Match": '"1"'}
    )
    assert changed.status_code == 200
    assert len(await outbox(service, CONTACTS.name)) == 2
    async with service.container.backbone.engine.connect() as connection:
        assert [p for (p,) in await connection.execute(select(science_workers.c.phone))] == ["13700002222"]
    [_, (type_, updated)] = await outbox(service, ACTIVITIES.name)
    assert type_ == "activity-updated" and updated["changes"] == {"science_worker_count": 1}
    unchanged = await service.client.put(
        f"/api/v1/activities/{created['id']}", json=details, headers={**me, "If-Match": '"2"'}
    )
    assert unchanged.status_code == 200 and unchanged.headers["ETag"] == '"2"'  # no change, no event


async def test_an_expired_campaign_is_loaded_once_however_many_requests_wait_for_it(service: Service) -> None:
    await service.campaign()
    loads = 0
    campaigns = service.container.campaigns

    class Counting(type(campaigns)):  # type: ignore[misc]
        async def get(self, campaign_id: str) -> Any:
            nonlocal loads
            loads += 1
            return await campaigns.get(campaign_id)

    book = CampaignBook(Counting(service.container.backbone), ttl_seconds=0.0)
    found = await asyncio.gather(*(book.get("2026") for _ in range(50)))
    assert {c.id for c in found} == {"2026"} and loads == 1
    with pytest.raises(RuleBroken):
        await book.get("1999")
