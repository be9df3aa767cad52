"""Issue 18's five journeys, each one test, through the browser only, on the real platform.

Each is written as far as the site on main goes today; the authors of the pages each journey needs
extend its function with the steps their page makes possible (web/README.md, "Journeys"): do the
thing through the page as a person would, assert what the person sees, then ``person.step(name)``.
What a journey takes as given and no page of its own offers is made through ``api`` beforehand.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from .site_support import ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, Journey

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


def test_journey_5_an_admin_configures_a_campaign(journey: OpenJourney) -> None:
    """An admin creates a campaign with a window and a local rule, and an organizer registering
    outside the window sees the window named."""
    admin = journey("desktop")
    admin.goto("/login")
    admin.log_in("ops", STAFF_PASSWORD)
    admin.expect_path("/workbench/admin/campaigns")
    admin.step("campaigns")

    menu(admin, "账号管理")
    admin.expect_path("/workbench/admin/accounts")
    admin.step("accounts")

    # the operations dashboard: analytics' own page, through the same origin
    admin.page.get_by_role("link", name="运营看板").click()
    admin.expect_path("/dashboard")
    admin.step("dashboard")
