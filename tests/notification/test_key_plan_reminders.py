"""The Weinan notice's 附件1: each county body with activities is reminded in its inbox before the
campaign's key-activity plan deadline, on the reminder days, once (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.auth import Principal
from tests.notification.conftest import Service, campaign, headers, registered


async def county_reminders(service: Service, county: str) -> list[dict[str, object]]:
    principal = Principal(f"reviewer-{county}", "reviewer", level="county", jurisdiction=county)
    response = await service.client.get("/api/v1/inbox", headers=headers(principal))
    assert response.status_code == 200, response.text
    return [i for i in response.json()["items"] if i["kind"] == "key_activity_plan"]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_counties_are_reminded_before_the_key_activity_plan_is_due(service: Service) -> None:
    weinan = campaign(settings={"region_code": "6105", "key_activity_plan_deadline": "2026-09-10"})
    await service.feed(weinan, registered(region_code="610502"), registered(region_code="610503"))
    service.clock.now = datetime(2026, 9, 7, 2, 0, tzinfo=UTC)  # 3 days before, China time
    assert await service.container.reminders.check() == 2  # one per county with activities
    assert await service.container.reminders.check() == 2  # offered again, stored once
    await service.dispatch()
    [got] = await county_reminders(service, "610502")
    assert "附件1" in str(got["title"]) and "2026年9月10日" in str(got["text"]) and "还剩3天" in str(got["text"])
    assert await county_reminders(service, "610522") == []  # no activities there
    service.clock.now = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)  # 2 days before: not a reminder day
    assert await service.container.reminders.check() == 0
    service.clock.now = datetime(2026, 9, 11, 2, 0, tzinfo=UTC)  # past the deadline
    assert await service.container.reminders.check() == 0
