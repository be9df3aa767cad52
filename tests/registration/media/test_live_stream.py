"""An online activity may name a live stream (URL, start, end); the rules refuse one that is not whole,
is out of order, or belongs to an offline activity; the stream travels on activity-registered/-updated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import activity_body

from ..conftest import Service
from ..test_activities import outbox

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=21)
LIVE = {
    "live_url": "https://live.example.cn/kepuri/1",
    "live_starts_at": START.isoformat(),
    "live_ends_at": (START + timedelta(hours=2)).isoformat(),
}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_an_online_activity_names_its_live_stream_and_changes_it(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    body = activity_body(**LIVE)  # once: a second drawn anew would move starts_at when the clock ticks over
    created = await service.client.post("/api/v1/activities", json=body, headers=me)
    assert created.status_code == 201, created.text
    assert created.json()["live_url"] == LIVE["live_url"]
    later = (START + timedelta(hours=1)).isoformat()
    details = {k: v for k, v in body.items() if k != "campaign_id"} | {"live_starts_at": later}
    url = f"/api/v1/activities/{created.json()['id']}"
    changed = await service.client.put(url, json=details, headers={**me, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    events = [d for t, d in await outbox(service, "kepuri.activities.v1")]
    assert events[0]["live_url"] == LIVE["live_url"]
    assert list(events[1]["changes"]) == ["live_starts_at"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({**LIVE, "format": "offline", "online_url": None}, "live_url", "线下活动不能设置直播"),
        ({"live_starts_at": LIVE["live_starts_at"]}, "live_url", "直播网址"),
        ({"live_url": LIVE["live_url"]}, "live_starts_at", "开始和结束时间"),
        ({**LIVE, "live_ends_at": LIVE["live_starts_at"]}, "live_ends_at", "晚于开始时间"),
    ],
    ids=["offline", "no-url", "no-times", "ends-first"],
)
async def test_a_live_stream_that_breaks_a_rule_is_refused(
    service: Service, changes: dict[str, Any], field: str, words: str
) -> None:
    await service.campaign()
    me = await service.organizer()
    refused = await service.client.post("/api/v1/activities", json=activity_body(**changes), headers=me)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field and words in refused.json()["detail"]
    assert await outbox(service, "kepuri.activities.v1") == []
