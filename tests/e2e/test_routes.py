"""Programmes and routes end to end, on both buses: an organizer registers a 千万IP activity with its
online works and another, analytics counts them per programme from the activities stream; the
organizer links the two into a science route, a visitor checks in at both stops and completes it,
and the check-ins come back from the bus as ``route-checked-in`` events."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from harness.factories import activity_body, open_campaign
from shared.events import from_record
from shared.events.topics import ROUTES
from tests.e2e.conftest import Platform
from tests.e2e.test_failures import read_topic

PASSWORD = "kepuri-2026-secret"
VISITOR = "e2e-visitor-0123456789"


async def test_programme_counts_and_a_completed_route_cross_the_streams(platform: Platform) -> None:
    client = platform.registration
    campaign = replace(
        open_campaign("2026-routes", auto_approve=True),
        programmes=("千馆展览探未来", "千万IP创科普"),
        settings={"science_map": {"regional_map": True, "science_routes": True}},
    )
    await platform.registration_app.state.container.campaigns.configure(campaign, 0)
    unit = {
        "name": "渭南市科技馆",
        "unit_type": "museum",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": "13912345670",
        "password": PASSWORD,
    }
    assert (await client.post("/api/v1/units", json=unit)).status_code == 202
    login = await client.post("/api/v1/auth/token", json={"login": "13912345670", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    works = [
        {"url": "https://www.douyin.com/video/1", "platform": "抖音"},
        {"url": "https://b23.tv/2", "platform": "B站"},
    ]
    ids = []
    for name, extra in (
        ("地震科普短视频展映", {"programme": "千万IP创科普", "online_works": works}),
        ("走进科技馆", {}),
    ):
        body = activity_body(campaign.id, starts_in=timedelta(minutes=-10), name=name, **extra)
        created = await client.post("/api/v1/activities", json=body, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])

    query = {"campaign": campaign.id, "by": "programme"}
    async with asyncio.timeout(30):
        while (stats := (await platform.analytics.get("/api/v1/stats/activities", params=query)).json())["totals"][
            "activities"
        ] < 2:
            await asyncio.sleep(0.05)
    assert {g["key"]: (g["activities"], g["online_works"]) for g in stats["groups"]} == {
        "千万IP创科普": (1, 2),
        None: (1, 0),
    }

    async with asyncio.timeout(30):
        for activity_id in ids:
            while (await client.get(f"/api/v1/directory/activities/{activity_id}")).status_code == 404:
                await asyncio.sleep(0.05)
    route = {"campaign_id": campaign.id, "name": "临渭科技之旅", "stops": [{"activity_id": i} for i in ids]}
    created = await client.post("/api/v1/science-routes", json=route, headers=headers)
    assert created.status_code == 201, created.text
    url = f"/api/v1/directory/routes/{created.json()['id']}"
    for stop in created.json()["stops"]:
        answer = await client.post(f"{url}/check-ins", json={"stop": stop["key"], "visitor": VISITOR})
        assert answer.status_code == 200, answer.text
    assert answer.json()["completed"] is True
    assert (await client.get(url)).json()["completions"] == 1

    records = await read_topic(platform.bus_url, ROUTES.name, expected=3)
    envelopes = [from_record(r) for r in records]
    assert [e.type for e in envelopes] == ["route-published", "route-checked-in", "route-checked-in"]
    assert [e.data.get("completed") for e in envelopes[1:]] == [False, True]
    assert all(VISITOR.encode() not in r.value for r in records)
