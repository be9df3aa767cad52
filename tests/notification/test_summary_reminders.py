"""Reminders of the summary deadline (工作总结) on the campaign's reminder days, to the counties with
activities and the organizer units that have not submitted; a submitted report stops its reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.auth import Principal
from shared.events.payloads.summaries import SummarySubmitted
from tests.notification.conftest import Service, campaign, envelope, headers, organizer, registered


def submitted(reporter: str, kind: str, region: str) -> object:
    payload = SummarySubmitted(
        summary_id="a" * 32,
        campaign_id="2026",
        reporter=reporter,
        reporter_kind=kind,  # type: ignore[arg-type]
        reporter_name="临渭区科协",
        region_code=region,
        submitted_on=date(2026, 9, 20),
        deadline=date(2026, 9, 25),
        text="总结",
    )
    return envelope(payload, "a" * 32)


async def inbox(service: Service, who: dict[str, str]) -> list[dict[str, object]]:
    answer = await service.client.get("/api/v1/inbox", headers=who)
    assert answer.status_code == 200, answer.text
    return [i for i in answer.json()["items"] if i["kind"] == "summary_deadline"]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_those_who_have_not_submitted_are_reminded_once(service: Service) -> None:
    weinan = campaign(summary_deadline=date(2026, 9, 25), settings={"summary": {"reporters": ["county", "organizer"]}})
    linwei, huazhou = registered(region_code="610502"), registered(region_code="610503", unit_id="unit-2")
    await service.feed(weinan, linwei, huazhou, submitted("county:610502", "county", "610502"))  # type: ignore[arg-type]

    service.clock.now = datetime(2026, 9, 22, 2, 0, tzinfo=UTC)  # 3 days before, China time
    assert await service.container.reminders.check() == 3  # 华州区 (610503), unit-1 and unit-2
    assert await service.container.reminders.check() == 3  # offered again, stored once
    await service.dispatch()

    def county(code: str) -> dict[str, str]:
        return headers(Principal(f"reviewer-{code}", "reviewer", level="county", jurisdiction=code))

    assert await inbox(service, county("610502")) == []  # submitted: not reminded
    (huazhou_reminder,) = await inbox(service, county("610503"))
    assert "华州区科协" in str(huazhou_reminder["text"]) and "9月25日" in str(huazhou_reminder["title"])
    assert len(await inbox(service, organizer("unit-2"))) == 1

    service.clock.now = datetime(2026, 9, 23, 2, 0, tzinfo=UTC)  # 2 days before: not a reminder day
    assert await service.container.reminders.check() == 0
