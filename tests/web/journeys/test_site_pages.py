"""The site's shared pages in a real browser on the real platform: the public home at a phone's and a
desk's width, logging in as each role, the 404 page, and a workbench link that needs a login.

Every step is screenshotted to build/journeys/<test>/ and must pass axe-core (no serious or critical
violation) with no console error and no Content-Security-Policy violation (site_support.Journey).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .conftest import STAFF
from .site_support import ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, Journey

OpenJourney = Callable[[str], Journey]
# the campaign the home leads with: the newest of `kepuri seed`'s notices
NEWEST_CAMPAIGN = "2024"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_public_home_shows_the_newest_campaign(journey: OpenJourney, viewport: str) -> None:
    person = journey(viewport)
    person.goto("/")
    hero = person.page.locator("#campaign-title")
    expect(hero).to_be_visible()
    expect(person.page.get_by_text(f"{NEWEST_CAMPAIGN} 年度")).to_be_visible()
    expect(person.page.get_by_text("集中活动周")).to_be_visible()
    expect(person.page).to_have_title("首页 · 全国科普日活动平台")
    # nothing wider than the screen: no sideways scrolling on a phone
    overflow = person.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the home is {overflow}px wider than a {viewport}"
    person.step("home")

    person.page.get_by_role("link", name="单位注册").first.click()
    person.expect_path("/signup")
    person.step("signup-reached")


def test_an_unknown_address_shows_the_404_page(journey: OpenJourney) -> None:
    person = journey("phone")
    person.goto("/no/such/page")
    expect(person.page.get_by_role("heading", name="页面不存在")).to_be_visible()
    person.step("not-found")
    person.page.get_by_role("link", name="返回首页").click()
    person.expect_path("/")
    expect(person.page.locator("#campaign-title")).to_be_visible()
    person.step("home")


# login -> (the role's home, an entry of its workbench menu)
ROLE_LANDING = {"admin": ("/workbench/admin/campaigns", "活动年度"), "reviewer": ("/workbench/review", "待审核活动")}


@pytest.mark.parametrize("login", list(STAFF))
def test_staff_log_in_and_land_on_their_roles_home(journey: OpenJourney, login: str) -> None:
    role = STAFF[login][0]
    home, menu_entry = ROLE_LANDING[role]
    person = journey("desktop")
    person.goto("/login")
    person.step("login")
    person.log_in(login, STAFF_PASSWORD)
    person.expect_path(home)
    expect(person.page.get_by_role("navigation", name="工作台菜单").get_by_text(menu_entry)).to_be_visible()
    person.step("role-home")


def test_an_organizer_logs_in_on_a_phone_and_lands_on_my_activities(journey: OpenJourney, api: Api) -> None:
    phone = api.organizer()
    person = journey("phone")
    person.goto("/login")
    person.allow_console_error(r"status of 401")  # the refused first try below
    person.log_in(phone, "not-the-password")
    expect(person.page.get_by_text("账号或密码不正确")).to_be_visible()
    person.step("refused")
    person.log_in(phone, ORGANIZER_PASSWORD)
    person.expect_path("/workbench/activities")
    expect(person.page.get_by_role("navigation", name="工作台菜单").get_by_text("我的活动")).to_be_visible()
    person.step("my-activities")


def test_a_workbench_link_asks_for_a_login_then_opens(journey: OpenJourney) -> None:
    person = journey("desktop")
    person.goto("/workbench/review/recommendations")
    person.expect_path("/login")
    assert "redirect=%2Fworkbench%2Freview%2Frecommendations" in person.page.url
    person.step("login-asked")
    person.log_in("weinan-city", STAFF_PASSWORD)
    person.expect_path("/workbench/review/recommendations")
    person.step("recommendations")
    # a page of another role sends the reviewer to their own home
    person.page.evaluate("() => window.history.pushState({}, '', '/workbench/admin/accounts')")
    person.page.evaluate("() => window.dispatchEvent(new PopStateEvent('popstate'))")
    person.expect_path("/workbench/review")
    person.step("own-home")
