"""The city reviewer sees, beside a recommendation it received, the unit's indicator scores: each of the
campaign's indicators with its weight, value and score, and the composite (docs/review.md, "Indicator
scores"); on a phone and at a desk."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from .site_support import STAFF_PASSWORD, Api, Journey
from .workbench_support import campaign_title, choose, recommendable_activity

OpenJourney = Callable[[str], Journey]


def received_recommendation(api: Api, name: str) -> None:
    """Given: the county (临渭) approved the activity and recommended it to the city (journey 2 does it
    through the pages)."""
    activity = recommendable_activity(api, name)
    county = api.headers("linwei", STAFF_PASSWORD)
    approved = api.client.post(f"/api/v1/review/activities/{activity.id}/approve", json={}, headers=county)
    assert approved.status_code == 200, approved.text
    form = {
        "campaign_id": api.current_campaign(),
        "activity_id": activity.id,
        "reason": "组织动员充分，青少年参与踊跃。",
        "main_content": "天文观测、望远镜组装、科学家讲座。",
        "contact_name": "林伟",
        "contact_phone": "13991300009",
        "opinion": "同意推荐",
    }
    sent = api.client.post("/api/v1/recommendations", json=form, headers=county)
    assert sent.status_code == 201, sent.text


def test_the_city_reviewer_sees_the_measures_and_the_composite_beside_a_recommendation(
    journey: OpenJourney, api: Api
) -> None:
    campaign = campaign_title(api)
    name = "星空科普观测夜"
    received_recommendation(api, name)
    for viewport in ("phone", "desktop"):
        city = journey(viewport)
        city.goto("/login")
        city.log_in("weinan-city", STAFF_PASSWORD)
        city.expect_path("/workbench/review")
        city.page.get_by_role("navigation", name="工作台菜单").get_by_text("推荐", exact=True).click()
        city.expect_path("/workbench/review/recommendations")
        page = city.page
        choose(page, "活动年度", campaign)
        received = page.get_by_test_id("recommendation").filter(has_text=name)
        expect(received.get_by_text("由 县级 610502")).to_be_visible()
        scores = received.get_by_role("region", name="指标得分")
        expect(scores.get_by_text(re.compile(r"综合得分\s*\d+(\.\d)?"))).to_be_visible()
        for indicator in ("组织动员", "数量规模"):  # the campaign's indicators, each weighed 1
            line = scores.get_by_role("row").filter(has=page.get_by_role("rowheader", name=indicator))
            expect(line.get_by_role("cell").first).to_have_text("1")
            expect(line.get_by_role("cell").last).to_have_text(re.compile(r"^\d+(\.\d)?$"))
        expect(scores.get_by_role("columnheader", name="权重")).to_be_visible()
        city.step("city-sees-scores")
