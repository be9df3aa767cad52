"""The notices' rules as people meet them (issue 19): an organizer's activity held outside the
campaign's activity period is refused beside its time, and the city reviewer collects and signs off a
county's 附件1 sheet (重点活动计划表), which the county then sees signed off."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from playwright.sync_api import expect

from .site_support import ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, Journey
from .workbench_support import campaign_title, choose, days_ahead, fill_time

OpenJourney = Callable[[str], Journey]
PLANS = "/workbench/review/key-activity-plans"


def test_a_registration_outside_the_period_is_refused_and_the_city_signs_off_the_county_sheet(
    journey: OpenJourney, api: Api
) -> None:
    campaign = campaign_title(api)
    period = api.get(f"/api/v1/campaigns/{api.current_campaign()}")["settings"]["activity_period"]
    starts, ends = (datetime.fromisoformat(period[k]).date() for k in ("starts_on", "ends_on"))
    login = api.organizer("渭南市临渭区科技馆", "610502")

    organizer = journey("desktop")
    organizer.goto("/login")
    organizer.log_in(login, ORGANIZER_PASSWORD)
    organizer.expect_path("/workbench/activities")
    page = organizer.page
    page.get_by_role("navigation", name="工作台菜单").get_by_text("登记活动", exact=True).click()
    organizer.expect_path("/workbench/activities/new")
    choose(page, "活动年度", campaign)
    page.get_by_label("活动名称").fill("秋季天文观测科普夜")
    page.get_by_label("举办单位", exact=True).fill("渭南市临渭区科技馆")
    late = ends.replace(year=ends.year + 1, day=1)  # a year after the period ends
    fill_time(page, f"{late} 19:00", f"{late} 21:00")
    choose(page, "活动所在地区：区县", "临渭区")
    page.get_by_label("活动地点").fill("渭南市临渭区科技馆天文台")
    page.get_by_label("负责人").fill("高远")
    page.get_by_label("联系电话").fill("13991400001")
    page.get_by_text("申报为重点活动").click()
    organizer.allow_console_error(r"status of 422")  # the refusal below
    page.get_by_role("button", name="提交登记").click()
    time_item = page.locator(".el-form-item").filter(has_text="活动时间")
    said = f"{starts.year}年{starts.month}月{starts.day}日至{ends.year}年{ends.month}月{ends.day}日"
    expect(time_item.get_by_text(re.compile(f"不在.*活动期内.*{said}"))).to_be_visible()
    organizer.step("outside-the-period")

    fill_time(page, days_ahead(20, "19:00"), days_ahead(20, "21:00"))
    page.get_by_role("button", name="提交登记").click()
    expect(page).to_have_url(re.compile(r"/workbench/activities/\w+\?saved=new$"))
    expect(page.get_by_role("heading", name="秋季天文观测科普夜")).to_be_visible()
    organizer.step("registered-in-the-period")

    # the city collects the counties' 附件1 sheets and signs 临渭区's off, on a phone
    city = journey("phone")
    city.goto("/login")
    city.log_in("weinan-city", STAFF_PASSWORD)
    city.expect_path("/workbench/review")
    city.page.get_by_role("navigation", name="工作台菜单").get_by_text("附件1 汇总", exact=True).click()
    city.expect_path(PLANS)
    choose(city.page, "活动年度", campaign)
    row = city.page.get_by_role("row").filter(has_text="临渭区")
    expect(row.get_by_text("已提交")).to_be_visible()
    expect(
        city.page.get_by_role("row").filter(has_text="潼关县").get_by_text(re.compile("已提交|未提交"))
    ).to_be_visible()
    city.step("county-sheets")
    row.get_by_role("button", name="签收临渭区").click()
    expect(city.page.get_by_text("临渭区的附件1已签收")).to_be_visible()
    expect(row.get_by_text("已签收")).to_be_visible()
    city.step("signed-off")

    # the county sees its sheet signed off
    county = journey("desktop")
    county.goto("/login")
    county.log_in("linwei", STAFF_PASSWORD)
    county.expect_path("/workbench/review")
    county.page.get_by_role("navigation", name="工作台菜单").get_by_text("附件1 汇总", exact=True).click()
    county.expect_path(PLANS)
    choose(county.page, "活动年度", campaign)
    mine = county.page.get_by_role("row").filter(has_text="临渭区")
    expect(mine.get_by_text("已签收")).to_be_visible()
    expect(county.page.get_by_role("button", name="签收临渭区")).to_have_count(0)
    county.step("county-sees-signed-off")

    # the city reopens it (退回), so the county's key activities may change again
    row.get_by_role("button", name="退回临渭区").click()
    expect(row.get_by_text("已提交")).to_be_visible()
    city.step("reopened")
