"""The public directory end to end, on both buses: an organizer registers an activity through the
API, it appears in the directory once its event has gone round the stream, a visitor checks in, and
the check-in comes back from the bus as a ``participation-recorded`` event."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from harness.factories import activity_body, open_campaign
from shared.events import from_record
from shared.events.topics import PARTICIPATION
from tests.e2e.conftest import Platform
from tests.e2e.test_failures import read_topic

PASSWORD = "kepuri-2026-secret"


async def test_a_registered_activity_is_found_checked_in_and_the_check_in_is_on_the_bus(platform: Platform) -> None:
    client = platform.registration
    campaign = open_campaign("2026-directory", auto_approve=True)
    await platform.registration_app.state.container.campaigns.configure(campaign, 0)
    unit = {
        "name": "渭南市临渭区实验中学",
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": "13912345678",
        "password": PASSWORD,
    }
    assert (await client.post("/api/v1/units", json=unit)).status_code == 202
    login = await client.post("/api/v1/auth/token", json={"login": "13912345678", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    body = activity_body(campaign.id, starts_in=timedelta(minutes=-10), name="走进科技馆：人工智能科普体验")
    created = await client.post("/api/v1/activities", json=body, headers=headers)
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]

    async with asyncio.timeout(30):
        while (listed := await client.get(f"/api/v1/directory/activities/{activity_id}")).status_code == 404:
            await asyncio.sleep(0.05)
    assert listed.status_code == 200 and listed.json()["name"] == "走进科技馆：人工智能科普体验"
    assert "13812345678" not in listed.text and "王建国" not in listed.text
    search = await client.get("/api/v1/directory/activities", params={"q": "人工智能", "near": "34.5,109.51"})
    assert [item["id"] for item in search.json()["items"]] == [activity_id]

    checked_in = await client.post(f"/api/v1/directory/activities/{activity_id}/check-ins")
    assert checked_in.status_code == 202, checked_in.text
    [record] = await read_topic(platform.bus_url, PARTICIPATION.name, expected=1)
    envelope = from_record(record)
    assert envelope.id == checked_in.json()["event_id"] and envelope.type == "participation-recorded"
    assert envelope.subject == activity_id and record.key == activity_id.encode()
    assert envelope.data["activity_id"] == activity_id and len(envelope.data["participant_ref"]) == 32
    assert b"127.0.0.1" not in record.value and all(b"127.0.0.1" not in value for _, value in record.headers)

    async with asyncio.timeout(30):
        while (await client.get(f"/api/v1/directory/activities/{activity_id}")).json()["check_ins"] < 1:
            await asyncio.sleep(0.05)
