"""The site's shared pages in a real browser on the real platform: the public home at a phone's and a
desk's width, the 404 page, and a workbench link that needs a login (logging in as each role and
landing on the role's home is in test_journeys.py, where each journey starts).

Every step is screenshotted to build/journeys/<test>/ and must pass axe-core (no serious or critical
violation) with no console error and no Content-Security-Policy violation (site_support.Journey).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .site_support import STAFF_PASSWORD, Api, Journey

OpenJourney = Callable[[str], Journey]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_public_home_shows_the_newest_campaign(journey: OpenJourney, api: Api, viewport: str) -> None:
    # the newest national campaign (the list is newest first; a local one, like the journeys' 渭南
    # campaigns, names its region): 2024 of `kepuri seed`'s notices
    campaigns = api.get("/api/v1/campaigns")["items"]
    newest = next(c for c in campaigns if not (c.get("settings") or {}).get("region_code"))
    person = journey(viewport)
    person.goto("/")
    hero = person.page.locator("#campaign-title")
    expect(hero).to_be_visible()
    expect(person.page.get_by_text(f"{newest['year']} 年度")).to_be_visible()
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


def test_a_workbench_link_asks_for_a_login_then_opens(journey: OpenJourney) -> None:
    person = journey("desktop")
    person.goto("/workbench/review/recommendations")
    person.expect_path("/login")
    assert parse_qs(urlparse(person.page.url).query)["redirect"] == ["/workbench/review/recommendations"]
    person.step("login-asked")
    person.log_in("weinan-city", STAFF_PASSWORD)
    person.expect_path("/workbench/review/recommendations")
    person.step("recommendations")
    # a page of another role sends the reviewer to their own home
    person.page.evaluate("() => window.history.pushState({}, '', '/workbench/admin/accounts')")
    person.page.evaluate("() => window.dispatchEvent(new PopStateEvent('popstate'))")
    person.expect_path("/workbench/review")
    person.step("own-home")


def test_this_years_campaign_is_open_for_the_journeys(api: Api) -> None:
    campaign = api.get(f"/api/v1/campaigns/{api.current_campaign()}")
    assert campaign["settings"]["recommendation"]["levels"] == ["county", "city"]
    assert api.current_campaign() == campaign["id"]  # created once
