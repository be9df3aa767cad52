"""Reminders in the organizer's inbox on the campaign's reminder days: registration closing (organizers
with activities in the campaign) and the info-completion deadline (only those with activities still
incomplete, naming them); checking again never reminds anyone twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from services.notification.adapters.tables import messages
from tests.notification.conftest import Service, campaign, completed, organizer, registered


async def reminders_in(service: Service, unit_id: str) -> list[dict[str, object]]:
    items = (await service.client.get("/api/v1/inbox", headers=organizer(unit_id))).json()["items"]
    return [i for i in items if i["kind"] in ("info_deadline", "registration_closing")]


async def test_organizers_are_reminded_on_the_reminder_days_once(service: Service) -> None:
    today = datetime(2026, 9, 25, tzinfo=UTC).date()  # the clock: 2026-09-20 10:00 China time, moved below
    service.clock.now = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
    deadlines = {
        "info_completion_deadline": today + timedelta(days=3),
        "registration_closes_on": today + timedelta(days=7),
    }
    open_, done, other = registered(name="走进科技馆"), registered(name="科普讲座"), registered(unit_id="unit-2")
    await service.feed(campaign(**deadlines), open_, done, other, completed(done.subject), completed(other.subject))
    assert await service.container.reminders.check() == 3  # info: unit-1; closing: unit-1 and unit-2
    assert await service.container.reminders.check() == 3  # offered again, stored once
    await service.dispatch()
    ours = {i["kind"]: f"{i['title']} {i['text']}" for i in await reminders_in(service, "unit-1")}
    assert set(ours) == {"info_deadline", "registration_closing"}
    assert "走进科技馆" in ours["info_deadline"] and "科普讲座" not in ours["info_deadline"]
    assert [i["kind"] for i in await reminders_in(service, "unit-2")] == ["registration_closing"]
    async with service.container.backbone.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(messages)) == 3

    service.clock.now += timedelta(days=1)  # 2 days before the info deadline: not a reminder day
    assert await service.container.reminders.check() == 0


async def test_the_campaign_chooses_its_reminder_days(service: Service) -> None:
    service.clock.now = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
    activity = registered()
    await service.feed(
        campaign(info_completion_deadline=datetime(2026, 9, 30).date(), settings={"reminder_days": [5]}), activity
    )
    assert await service.container.reminders.check() == 1
