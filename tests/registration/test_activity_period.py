"""The notices' rule that an activity is held in its campaign's activity period (活动期), and that the
2023 and 2024 campaigns stop taking registrations (issue 19, "notices contradicted today")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from services.registration.api.campaign_schemas import campaign_document
from services.registration.domain.campaign import CHINA, chinese_date
from services.registration.seeds import load_seed_campaigns
from tests.factories import activity_body, open_campaign

from .conftest import Service
from .test_activities import rows


def period(starts_on: date, ends_on: date) -> dict[str, object]:
    return {"activity_period": {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}}


def china_moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA)


def held(starts: datetime, hours: int = 1) -> dict[str, str]:
    return {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=hours)).isoformat()}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_an_activity_outside_the_period_is_refused_naming_it_and_nothing_is_written(service: Service) -> None:
    week = open_campaign().week
    assert week.opens_on and week.closes_on
    starts_on, ends_on = week.opens_on - timedelta(days=3), week.closes_on
    await service.campaign(settings=period(starts_on, ends_on))
    me = await service.organizer()

    # the last China day of the period is inside, to its last evening; the next morning is not
    inside = await service.client.post(
        "/api/v1/activities", json=activity_body(**held(china_moment(ends_on, 22))), headers=me
    )
    assert inside.status_code == 201, inside.text
    late = await service.client.post(
        "/api/v1/activities", json=activity_body(**held(china_moment(ends_on, 23, 30))), headers=me
    )  # ends after midnight, China time
    early = await service.client.post(
        "/api/v1/activities",
        json=activity_body(**held(china_moment(starts_on - timedelta(days=1), 23))),
        headers=me,
    )
    said = f"{chinese_date(starts_on)}至{chinese_date(ends_on)}"
    for refused, field in ((late, "ends_at"), (early, "starts_at")):
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
        assert said in refused.json()["detail"] and "活动期" in refused.json()["detail"]
        assert refused.json()["errors"][0]["field"] == field
    assert await rows(service, "activities") == 1

    # a change that moves the activity out of the period is refused the same way
    url = f"/api/v1/activities/{inside.json()['id']}"
    body = activity_body(**held(china_moment(ends_on + timedelta(days=30), 9)))
    del body["campaign_id"]
    moved = await service.client.put(url, json=body, headers={**me, "If-Match": '"1"'})
    assert moved.status_code == 422 and said in moved.json()["detail"]
    assert (await service.client.get(url, headers=me)).headers["etag"] == '"1"'


async def test_a_period_that_does_not_hold_the_week_is_refused(service: Service) -> None:
    admin = await service.admin()
    campaign = open_campaign("period-check")
    assert campaign.week.opens_on
    document = campaign_document(campaign, 0)
    del document["version"]
    document["settings"] = period(
        campaign.week.opens_on + timedelta(days=1), campaign.week.opens_on + timedelta(days=30)
    )
    refused = await service.client.post("/api/v1/campaigns", json=document, headers=admin)
    assert refused.status_code == 422 and "活动期须包含集中活动周" in refused.text


async def test_the_2024_campaign_no_longer_takes_a_2026_activity(service: Service) -> None:
    """The README once registered a 2026 activity into 2024-national: the seeded 2024 campaign's
    registration closed on 2024-09-25, and its activities are held by then."""
    (seed,) = [s for s in load_seed_campaigns() if s.campaign.id == "2024-national"]
    await service.container.campaigns.configure(seed.campaign, 0)
    me = await service.organizer()
    body = activity_body("2024-national", category="重点活动", themes=["人工智能"], target_groups=["社会公众"])
    del body["joint_action"]
    refused = await service.client.post("/api/v1/activities", json=body, headers=me)
    assert refused.status_code == 422
    assert "2024年7月3日至2024年9月25日" in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "campaign_id"


def test_the_seeded_periods_refuse_an_activity_after_the_2024_week() -> None:
    (seed,) = [s for s in load_seed_campaigns() if s.campaign.id == "2024-national"]
    day = datetime(2024, 9, 26, 9, tzinfo=CHINA)
    with pytest.raises(ValueError, match="2024年7月3日至2024年9月25日"):
        seed.campaign.require_in_activity_period(day, day + timedelta(hours=1))
    seed.campaign.require_in_activity_period(day - timedelta(days=1), day - timedelta(hours=23))
