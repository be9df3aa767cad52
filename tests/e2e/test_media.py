"""Media end to end, on both buses: an organizer uploads a photo and completes an activity's info with
it; the info-completed event goes round the stream and the public showcase (汇聚展示) shows the photo
and the turnout, whose URL serves the cleaned photo."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from harness.factories import activity_body, open_campaign
from tests.e2e.conftest import Platform
from tests.registration.media.pictures import jpeg_with_gps


async def test_an_uploaded_photo_reaches_the_public_showcase_through_the_stream(platform: Platform) -> None:
    client = platform.registration
    today = datetime.now(UTC).date()
    campaign = replace(
        open_campaign("2026-media", auto_approve=True), info_completion_deadline=today + timedelta(days=5)
    )
    await platform.registration_app.state.container.campaigns.configure(campaign, 0)
    body = activity_body(campaign.id, starts_in=timedelta(minutes=-10), name="科学影像进社区")
    created = await client.post("/api/v1/activities", json=body)
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]

    photo = await client.post(
        "/api/v1/media", content=jpeg_with_gps(), headers={"Content-Type": "application/octet-stream"}
    )
    assert photo.status_code == 201, photo.text
    info = {"media": [photo.json()["key"]], "actual_participants": 186}
    completed = await client.put(f"/api/v1/activities/{activity_id}/info", json=info, headers={"If-Match": '"1"'})
    assert completed.status_code == 200, completed.text

    showcase = f"/api/v1/directory/activities/{activity_id}/showcase"
    async with asyncio.timeout(30):
        while (shown := await client.get(showcase)).status_code == 404 or not shown.json()["completed"]:
            await asyncio.sleep(0.05)
    assert shown.json()["actual_participants"] == 186
    [listed] = shown.json()["photos"]
    assert listed["url"] == photo.json()["url"]
    served = await client.get(listed["url"], headers={"Authorization": ""})
    assert served.status_code == 200 and b"KepuriCam" not in served.content
