"""Every timestamp notification answers carries its offset (SQLite gives back naive datetimes), and a
queued message says when it will go: ``not_before`` in China time, and a status text in Chinese
(held by quiet hours, waiting for a retry, or due now)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.notification.conftest import Recorder, Service, admin, campaign, completed, listed, organizer, registered

ZONED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def timestamps(document: Any) -> list[str]:
    """Every value of a key ending in ``_at`` or named ``not_before``, anywhere in ``document``."""
    if isinstance(document, dict):
        found = [v for k, v in document.items() if (k.endswith("_at") or k == "not_before") and isinstance(v, str)]
        return found + [t for v in document.values() for t in timestamps(v)]
    if isinstance(document, list):
        return [t for v in document for t in timestamps(v)]
    return []


async def messages_page(service: Service) -> list[dict[str, Any]]:
    answer = await service.client.get("/api/v1/messages", headers=organizer())
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_every_timestamp_in_an_answer_has_its_zone(service: Service) -> None:
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111"), completed(activity.subject))
    await service.dispatch()
    page = await messages_page(service)
    resent = await service.client.post(f"/api/v1/messages/{page[0]['notification_id']}/resend", headers=admin())
    found = timestamps(page) + timestamps(resent.json())
    assert len(found) >= 4 and all(ZONED.match(t) for t in found), found


async def test_a_message_held_by_quiet_hours_says_when_it_will_go(service: Service, recorder: Recorder) -> None:
    service.clock.now = datetime(2026, 9, 20, 14, 30, tzinfo=UTC)  # 22:30 in China
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111"), completed(activity.subject))
    [reserved] = await messages_page(service)  # before the dispatcher looked at it: already the hint
    await service.dispatch()
    [held] = await messages_page(service)
    for item in (reserved, held):
        assert item["state"] == "queued"
        assert item["not_before"] == "2026-09-21T08:00:00+08:00"
        assert "免打扰" in item["status_text"] and "2026-09-21 08:00" in item["status_text"], item["status_text"]

    service.clock.now = datetime(2026, 9, 21, 0, 0, tzinfo=UTC)
    await service.dispatch()
    [sent] = await messages_page(service)
    assert sent["state"] == "sent" and sent["not_before"] is None and "已发送" in sent["status_text"]


async def test_a_message_waiting_for_a_retry_says_when(service: Service) -> None:
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900000001"), completed(activity.subject))
    await service.dispatch()  # the provider is busy once: retried after 30 s
    [waiting] = await messages_page(service)
    assert waiting["state"] == "queued"
    assert datetime.fromisoformat(waiting["not_before"]) == service.clock.now + timedelta(seconds=30)
    assert waiting["not_before"].endswith("+08:00") and "重试" in waiting["status_text"]
