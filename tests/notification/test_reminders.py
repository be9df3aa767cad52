"""Reminders in the organizer's inbox on the campaign's reminder days: registration closing (organizers
with activities in the campaign) and the info-completion deadline (only those with activities still
incomplete, naming them); recommendation deadlines in the inbox of each reviewing body with activities
in its region, per level of the campaign's chain; checking again never reminds anyone twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from services.notification.adapters.tables import messages
from services.notification.service.reminders import body_inbox, body_name
from shared.auth import Principal
from shared.regions import PackagedRegions
from tests.notification.conftest import Service, campaign, completed, headers, organizer, registered


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


def reviewer(level: str, jurisdiction: str) -> dict[str, str]:
    return headers(Principal(f"reviewer-{level}-{jurisdiction}", "reviewer", level=level, jurisdiction=jurisdiction))


async def body_reminders(service: Service, level: str, jurisdiction: str) -> list[dict[str, object]]:
    response = await service.client.get("/api/v1/inbox", headers=reviewer(level, jurisdiction))
    assert response.status_code == 200, response.text
    return [i for i in response.json()["items"] if i["kind"] == "recommendation_deadline"]


CHAIN = {
    "levels": ["county", "city"],
    "forward_to": "province",
    "windows": {"county": {"closes_on": "2026-10-05"}},  # the city level: the campaign's deadline
}


async def test_reviewing_bodies_are_reminded_before_their_levels_last_day(service: Service) -> None:
    linwei, huazhou, beilin = (registered(region_code=code) for code in ("610502", "610503", "610103"))
    chained = campaign(recommendation_deadline=date(2026, 10, 15), settings={"recommendation": CHAIN})
    await service.feed(chained, linwei, huazhou, beilin)

    service.clock.now = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)  # 3 days before the counties' last day
    assert await service.container.reminders.check() == 3  # one per county with activities
    assert await service.container.reminders.check() == 3  # offered again, stored once
    await service.dispatch()
    [got] = await body_reminders(service, "county", "610502")
    assert "2026年10月5日截止，还剩3天" in str(got["text"])
    assert len(await body_reminders(service, "county", "610103")) == 1
    assert await body_reminders(service, "county", "610504") == []  # no activities there
    assert await body_reminders(service, "city", "6105") == []  # not the city level's day
    assert await reminders_in(service, "unit-1") == []  # not in the organizers' inbox

    service.clock.now = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)  # 1 day before the cities' last day
    assert await service.container.reminders.check() == 2  # 渭南市 and 西安市
    await service.dispatch()
    [city] = await body_reminders(service, "city", "6105")
    assert "2026年10月15日截止，还剩1天" in str(city["text"])
    assert await body_reminders(service, "province", "61") == []  # the top endorses; it is not reminded
    async with service.container.backbone.engine.connect() as connection:
        total = await connection.scalar(select(func.count()).select_from(messages))
    assert total == 5


async def test_a_campaign_without_a_recommendation_chain_reminds_no_body(service: Service) -> None:
    service.clock.now = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)
    await service.feed(campaign(recommendation_deadline=date(2026, 10, 15)), registered())
    assert await service.container.reminders.check() == 0


def test_bodies_are_addressed_by_their_regions_association() -> None:
    regions = PackagedRegions()
    assert body_name("county", "610502", regions) == "临渭区科协"
    assert body_name("city", "6105", regions) == "渭南市科协"
    assert body_name("national", "", regions) == "全国科普日活动组委会"
    assert body_inbox("county", "610502") == "body:county:610502" and body_inbox("national", None) == "body:national:CN"
