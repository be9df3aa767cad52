"""Issue 19, programmes and routes: an organizer links two of its activities into a science route
(科普路线) in the workbench; a visitor on a phone finds it on the map, checks in at both stops (联动打卡)
and sees the route completed, and the activity's online work (千万IP); and filters the search by the
千馆展览 flagship programme."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from .given import approved_activity
from .site_support import ORGANIZER_PASSWORD, Api, Journey
from .workbench_support import campaign_title, choose

OpenJourney = Callable[[str], Journey]
ROUTE = "临渭防灾科普之旅"


def test_an_organizer_makes_a_route_and_a_visitor_completes_it_on_a_phone(journey: OpenJourney, api: Api) -> None:
    visitor = journey("phone")  # the member of the public (the first: screenshots in <test>/)
    organizer = journey("desktop")

    # given: two approved activities of one organizer, one of the 千馆展览 programme, both held today
    login = api.organizer()
    video = {"url": "https://www.bilibili.com/video/BV1GJ411x7h7", "platform": "B站"}  # its 网络科普作品
    museum = approved_activity(
        api, "千馆展览：走进地震科普馆", starts_in=20, organizer=login, programme="千馆展览探未来", online_works=[video]
    )
    lecture = approved_activity(
        api, "万场报告：地球深部探测", starts_in=20, organizer=login, latitude=34.5102, longitude=109.5003
    )

    organizer.goto("/login")
    organizer.log_in(login, ORGANIZER_PASSWORD)
    organizer.expect_path("/workbench/activities")
    organizer.page.get_by_role("navigation", name="工作台菜单").get_by_text("科普路线", exact=True).click()
    organizer.expect_path("/workbench/routes")
    page = organizer.page
    page.get_by_label("路线名称").fill(ROUTE)
    page.get_by_label("路线介绍").fill("先看地震科普展，再听地球深部探测报告。")
    organizer.step("routes-empty")
    for activity in (lecture, museum):  # added in the wrong order, then put right
        choose(page, "选择活动", activity.name)
        page.get_by_role("button", name="添加活动站点").click()
    stops = page.get_by_role("list", name="站点")
    expect(stops.get_by_role("listitem").first).to_contain_text(lecture.name)
    page.get_by_role("button", name=f"上移 {museum.name}").click()
    expect(stops.get_by_role("listitem").first).to_contain_text(museum.name)
    organizer.step("route-form")
    page.get_by_role("button", name="发布路线").click()
    expect(page.get_by_text(f"已发布：{ROUTE}（2 站）")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=ROUTE)).to_contain_text("2 站")
    organizer.step("route-published")

    # the visitor, on a phone, finds the route under the map and follows it
    visitor.goto("/map")
    # the campaign shown first is the newest; other journeys may have added one after the route's
    visitor.page.get_by_label("活动年度").select_option(label=campaign_title(api))
    routes = visitor.page.get_by_role("region", name="科普路线")
    expect(routes.get_by_text(f"2 站：{museum.name} → {lecture.name}")).to_be_visible()
    visitor.step("map-routes")
    routes.get_by_role("link", name=ROUTE).click()
    expect(visitor.page.get_by_role("heading", name=ROUTE)).to_be_visible()
    expect(visitor.page.get_by_text("已打卡 0/2")).to_be_visible()
    visitor.step("route")
    visitor.page.get_by_role("button", name=f"在第 1 站“{museum.name}”打卡").click()
    expect(visitor.page.get_by_text("已打卡 1/2")).to_be_visible()
    visitor.step("route-one-stop")
    visitor.page.get_by_role("button", name=f"在第 2 站“{lecture.name}”打卡").click()
    expect(visitor.page.get_by_text("路线已完成")).to_be_visible()
    expect(visitor.page.get_by_text("1 人完成")).to_be_visible()
    expect(visitor.page.get_by_text("✓ 已打卡")).to_have_count(2)
    visitor.step("route-completed")

    # the stop's check-in counted for the activity too
    visitor.page.get_by_role("link", name=museum.name).click()
    expect(visitor.page.get_by_text("1 人打卡")).to_be_visible()
    works = visitor.page.get_by_role("list").filter(has=visitor.page.get_by_role("link", name=video["url"]))
    expect(works).to_contain_text("B站")
    visitor.step("activity-online-works")

    # the search, filtered by the 千馆展览 programme
    visitor.goto(f"/search?campaign={api.current_campaign()}")
    visitor.page.get_by_role("button", name=re.compile("筛选")).click()
    visitor.page.get_by_label("品牌活动").select_option("千馆展览探未来")
    expect(visitor.page).to_have_url(re.compile(r"[?&]programme="))
    expect(visitor.page.get_by_role("link", name=museum.name)).to_be_visible()
    expect(visitor.page.get_by_role("link", name=lecture.name)).to_have_count(0)
    visitor.step("search-programme")
