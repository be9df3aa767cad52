"""What an organizer registered and completed reaches review's view through the streams, on both buses:
a county reviewer reads the description, place, time, turnout, photos and summary of an activity it
judges, the contact only masked (the general topic never carries it in clear)."""

from __future__ import annotations

from typing import Any

from harness.factories import open_campaign
from tests.e2e.test_review_chain import Pair, pair, registered_and_completed, until  # noqa: F401 (fixture)


async def test_review_sees_the_registered_and_completed_details(pair: Pair) -> None:  # noqa: F811
    campaign = open_campaign("2026", auto_approve=False)
    await pair.registration_app.state.container.campaigns.configure(campaign, 0)
    activity_id, _ = await registered_and_completed(pair, "2026", "13800000001")
    county = await pair.staff("reviewer", "county", "610502")

    async def completed() -> dict[str, Any] | None:
        answer = await pair.review.get(f"/api/v1/review/activities/{activity_id}", headers=county)
        if answer.status_code != 200 or not answer.json()["info_completed"]:
            return None
        details: dict[str, Any] = answer.json()["details"]
        return details

    details = await until(completed)
    assert details["description"] == "讲解食品标签识读与常见食品安全误区。"
    assert details["address"] == "渭南市临渭区朝阳大街 1 号社区活动中心"
    assert details["starts_at"] and details["ends_at"]
    assert (details["actual_participants"], details["summary"]) == (180, "活动顺利举办")
    assert details["photo_urls"] == ["https://img.example.cn/1.jpg"]
    assert details["contact_phone_masked"] == "138****5678" and "13812345678" not in str(details)
