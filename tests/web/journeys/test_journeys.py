"""Issue 18's five journeys, each one test, through the browser only, on the real platform.

Each is written as far as the site on main goes today; the authors of the pages each journey needs
extend its function with the steps their page makes possible (web/README.md, "Journeys"): do the
thing through the page as a person would, assert what the person sees, then ``person.step(name)``.
What a journey takes as given and no page of its own offers is made through ``api`` beforehand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from playwright.sync_api import expect

from .site_support import CHINA, ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, Journey

OpenJourney = Callable[[str], Journey]


def menu(person: Journey, entry: str) -> None:
    """Click ``entry`` of the workbench menu."""
    person.page.get_by_role("navigation", name="工作台菜单").get_by_text(entry, exact=True).click()


def test_journey_1_an_organizer_registers_activities(journey: OpenJourney, api: Api) -> None:
    """An organizer signs up, registers an activity through the form (fixing a field the API refused),
    imports a 附件1 sheet with one bad row and sees the row report."""
    phone = api.organizer()  # until the sign-up page is on main
    person = journey("desktop")
    person.goto("/login")
    person.log_in(phone, ORGANIZER_PASSWORD)
    person.expect_path("/workbench/activities")
    person.step("my-activities")

    menu(person, "登记活动")
    person.expect_path("/workbench/activities/new")
    person.step("register-form")

    menu(person, "附件1导入导出")
    person.expect_path("/workbench/activities/import")
    person.step("import")


def test_journey_2_reviewers_approve_recommend_and_endorse(journey: OpenJourney) -> None:
    """A county reviewer approves the activity and recommends it with 附件3; the city endorses it."""
    county = journey("desktop")
    county.goto("/login")
    county.log_in("linwei", STAFF_PASSWORD)
    county.expect_path("/workbench/review")
    expect(county.page.get_by_text("审核员 · 610502")).to_be_visible()
    county.step("county-queue")
    menu(county, "推荐")
    county.expect_path("/workbench/review/recommendations")
    county.step("county-recommendations")

    city = journey("desktop")
    city.goto("/login")
    city.log_in("weinan-city", STAFF_PASSWORD)
    city.expect_path("/workbench/review")
    expect(city.page.get_by_text("审核员 · 6105")).to_be_visible()
    menu(city, "推荐")
    city.expect_path("/workbench/review/recommendations")
    city.step("city-recommendations")


def test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone(journey: OpenJourney) -> None:
    """On a 375 × 812 phone the public finds the activity by text search and on the map near a point,
    checks in, and rates it after it starts; the operations dashboard's count moves."""
    person = journey("phone")
    person.goto("/")
    expect(person.page.locator("#campaign-title")).to_be_visible()
    person.step("home")

    person.page.locator("#main").get_by_role("link", name="查找身边的活动").click()
    person.expect_path("/search")
    person.step("search")

    person.page.go_back()
    person.page.locator("#main").get_by_role("link", name="科普地图").click()
    person.expect_path("/map")
    person.step("map")


def test_journey_4_the_organizer_completes_info_and_reads_the_inbox(journey: OpenJourney, api: Api) -> None:
    """The organizer completes the activity's info and sees the thank-yous' delivery states and the
    inbox message."""
    phone = api.organizer()
    person = journey("phone")
    person.goto("/login")
    person.allow_console_error(r"status of 401")  # the mistyped password below
    person.log_in(phone, "not-the-password")
    expect(person.page.get_by_text("账号或密码不正确")).to_be_visible()
    person.step("login-refused")
    person.log_in(phone, ORGANIZER_PASSWORD)
    person.expect_path("/workbench/activities")
    person.step("my-activities")

    menu(person, "消息与致谢")
    person.expect_path("/workbench/inbox")
    person.step("inbox")


def test_journey_5_an_admin_configures_a_campaign(journey: OpenJourney, api: Api) -> None:
    """An admin creates a campaign with a window and a local rule, and an organizer registering
    outside the window sees the window named."""
    today = datetime.now(CHINA).date()
    # this year's campaign whose registration window has already closed: from the 1st of last month
    # until yesterday; its concentrated week lies ahead (inside the year)
    opens = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    closes = today - timedelta(days=1)
    week_starts = min(today + timedelta(days=7), date(today.year, 12, 25))
    week_ends = week_starts + timedelta(days=6)
    campaign_id, title = f"{today.year}-journey5", f"{today.year}年渭南市食品安全科普周"
    window = f"{opens.year}年{opens.month}月{opens.day}日至{closes.year}年{closes.month}月{closes.day}日"

    admin = journey("desktop")
    admin.goto("/login")
    admin.log_in("ops", STAFF_PASSWORD)
    admin.expect_path("/workbench/admin/campaigns")
    admin.step("campaigns")

    admin.page.get_by_role("button", name="新建活动年度").click()
    admin.expect_path("/workbench/admin/campaigns/new")
    form = admin.page
    form.get_by_label("编号", exact=True).fill(campaign_id)
    form.get_by_label("名称", exact=True).fill(title)
    form.get_by_label("主题", exact=True).fill("食品安全 你我同行")
    form.get_by_label("行政区划（地方活动年度填写，全国不填）").fill("6105")
    pick_date(admin, "集中活动周开始日期", week_starts)
    pick_date(admin, "集中活动周结束日期", week_ends)
    pick_date(admin, "登记开始日期", opens)
    pick_date(admin, "登记截止日期", closes)
    form.get_by_role("button", name="添加地方规则").click()
    form.get_by_label("规则名称").fill("食品安全科普活动")
    form.get_by_label("关键词").fill("食品安全")
    # the rule's defaults, shown in its two selects: a name containing the keyword, counted per county
    expect(form.get_by_role("combobox", name="匹配方式").locator("xpath=../..")).to_contain_text("活动名称含关键词")
    expect(form.get_by_role("combobox", name="计数单位").locator("xpath=../..")).to_contain_text("按县区")
    admin.step("campaign-form")
    form.get_by_role("button", name="创建").click()
    admin.expect_path(f"/workbench/admin/campaigns/{campaign_id}/edit")
    expect(form.get_by_text("已保存（第 1 版）")).to_be_visible()
    expect(form.get_by_role("heading", name=f"编辑：{title}")).to_be_visible()
    admin.step("campaign-created")

    form.get_by_role("link", name="← 活动年度").click()
    admin.expect_path("/workbench/admin/campaigns")
    card = form.get_by_role("listitem").filter(has=form.get_by_role("link", name=title))
    expect(card.get_by_text("登记已截止")).to_be_visible()
    expect(card.get_by_text(f"{opens.year}年{opens.month}月{opens.day}日至")).to_be_visible()
    expect(card.get_by_text("1 条")).to_be_visible()  # the local rule
    admin.step("campaign-listed")

    menu(admin, "账号管理")
    admin.expect_path("/workbench/admin/accounts")
    admin.step("accounts")

    # the operations dashboard: analytics' own page, through the same origin
    admin.page.get_by_role("link", name="运营看板").click()
    admin.expect_path("/dashboard")
    admin.step("dashboard")

    # an organizer of 渭南 registers in the new campaign, whose window has closed
    phone = api.organizer()
    organizer = journey("desktop")
    organizer.goto("/login")
    organizer.log_in(phone, ORGANIZER_PASSWORD)
    organizer.expect_path("/workbench/activities")
    menu(organizer, "登记活动")
    organizer.expect_path("/workbench/activities/new")
    page = organizer.page
    # the select's shown choice lies over its input: click the select where the person sees it
    page.get_by_role("combobox", name="活动年度").locator(
        "xpath=ancestor::*[contains(@class, 'el-select__wrapper')]"
    ).click()
    page.get_by_role("option", name=f"{title}（登记已截止）").click()
    # the form names the window as soon as the campaign is chosen
    expect(page.get_by_text(f"登记时间：{window_words(opens, closes)}，已截止")).to_be_visible()
    page.get_by_label("活动名称").fill("食品安全进社区科普讲座")
    page.get_by_label("举办单位").fill("渭南市科技馆")
    starts = page.get_by_role("combobox").and_(page.get_by_placeholder("开始时间"))
    ends = page.get_by_role("combobox").and_(page.get_by_placeholder("结束时间"))
    starts.fill(f"{week_starts} 09:00")
    ends.fill(f"{week_starts} 11:30")
    ends.press("Enter")
    expect(starts).to_have_value(f"{week_starts} 09:00")
    expect(ends).to_have_value(f"{week_starts} 11:30")
    page.get_by_label("行政区划代码（6 位，如 610113 雁塔区）").fill("610502")
    page.get_by_label("活动地点").fill("渭南市临渭区朝阳大街科技馆一楼报告厅")
    page.get_by_label("负责人").fill("王建国")
    page.get_by_label("联系电话").fill("13812345678")
    organizer.step("register-form")
    organizer.allow_console_error(r"status of 422")  # the refusal below
    page.get_by_role("button", name="提交登记").click()
    alert = page.get_by_role("alert").filter(has_text="不在登记时间内")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(f"{title}的活动登记时间为{window}")
    expect(alert).not_to_contain_text("outside")  # the person reads Chinese only
    organizer.expect_path("/workbench/activities/new")
    organizer.step("register-refused")


def pick_date(person: Journey, label: str, day: date) -> None:
    """Type ``day`` into the Element Plus date picker labelled ``label`` and confirm it."""
    field = person.page.get_by_label(label)
    field.fill(day.isoformat())
    field.press("Enter")
    expect(field).to_have_value(day.isoformat())


def window_words(opens: date, closes: date) -> str:
    """A window as the site writes dates (web/src/format.ts formatDateRange with the year)."""
    head = f"{opens.year}年{opens.month}月{opens.day}日"
    if opens.year != closes.year:
        return f"{head}至{closes.year}年{closes.month}月{closes.day}日"
    if opens.month != closes.month:
        return f"{head}至{closes.month}月{closes.day}日"
    return f"{head}至{closes.day}日"
