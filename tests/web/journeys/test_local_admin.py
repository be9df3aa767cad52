"""Local administration (issue 19): a city admin of 渭南 (6105) creates a county reviewer of 临渭区, who
logs in and changes the password; a person who forgot it resets it with the code the SMS stand-in
received; a visitor reads the public list of what the campaign commended."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from .conftest import Site
from .site_support import STAFF_PASSWORD, Api, Journey, until
from .workbench_support import campaign_title, choose, recommendable_activity

OpenJourney = Callable[[str], Journey]
CITY_ADMIN = "wn-admin"
REVIEWER, REVIEWER_PHONE = "linwei-lx", "13991306105"
CHANGED, RESET = "linwei-changed-2026", "linwei-reset-2026"


def menu(person: Journey, entry: str) -> None:
    person.page.get_by_role("navigation", name="工作台菜单").get_by_text(entry, exact=True).click()


def given_a_city_admin(api: Api) -> None:
    """The national admin (``ops``) makes 渭南's city admin, as the operator would."""
    body = {"login": CITY_ADMIN, "password": STAFF_PASSWORD, "role": "admin", "level": "city", "jurisdiction": "6105"}
    answer = api.client.post("/api/v1/accounts", json=body, headers=api.headers("ops", STAFF_PASSWORD))
    assert answer.status_code == 201, answer.text


def given_a_city_commendation(api: Api) -> str:
    """An activity of 临渭区 approved and recommended by the county, which the city commends; its name."""
    ready = recommendable_activity(api, "防灾减灾科普进校园")
    county = api.headers("linwei", STAFF_PASSWORD)
    approved = api.client.post(f"/api/v1/review/activities/{ready.id}/approve", json={}, headers=county)
    assert approved.status_code == 200, approved.text
    nomination = {
        "campaign_id": api.current_campaign(),
        "activity_id": ready.id,
        "reason": "组织动员充分，参与人数多",
        "main_content": "面向中小学生开展地震避险演练和科普讲座",
        "contact_name": "赵敏",
        "contact_phone": "13991300001",
        "opinion": "同意推荐",
    }
    sent = api.client.post("/api/v1/recommendations", json=nomination, headers=county)
    assert sent.status_code == 201, sent.text
    city = api.headers("weinan-city", STAFF_PASSWORD)
    commended = api.client.post(
        f"/api/v1/recommendations/{sent.json()['id']}/commend", json={"citation": "市科协予以表扬"}, headers=city
    )
    assert commended.status_code == 200, commended.text
    return ready.name


def test_local_administration(journey: OpenJourney, api: Api, site: Site) -> None:
    given_a_city_admin(api)

    # the city admin creates a county reviewer of 临渭区
    admin = journey("desktop")
    admin.goto("/login")
    admin.log_in(CITY_ADMIN, STAFF_PASSWORD)
    admin.expect_path("/workbench/admin/accounts")
    expect(admin.page.get_by_text("本辖区（6105）")).to_be_visible()
    admin.step("city-admin-accounts")
    choose(admin.page, "管辖区域：区县", "临渭区")
    admin.page.get_by_label("手机号（找回密码用）").fill(REVIEWER_PHONE)
    admin.page.get_by_label("登录名").fill(REVIEWER)
    admin.page.get_by_label("初始密码").fill(STAFF_PASSWORD)
    admin.page.get_by_label("再次输入密码").fill(STAFF_PASSWORD)
    admin.page.get_by_role("button", name="创建账号").click()
    managed = admin.page.get_by_role("region", name="本辖区审核账号")
    created = managed.get_by_role("listitem").filter(has=admin.page.get_by_text(REVIEWER, exact=True))
    expect(created).to_contain_text("县级 · 610502")
    expect(created).to_contain_text("139****6105")
    admin.step("county-reviewer-created")

    # the reviewer logs in and changes the password
    reviewer = journey("phone")
    reviewer.goto("/login")
    reviewer.log_in(REVIEWER, STAFF_PASSWORD)
    reviewer.expect_path("/workbench/review")
    menu(reviewer, "修改密码")
    reviewer.expect_path("/workbench/password")
    reviewer.page.get_by_label("当前密码").fill(STAFF_PASSWORD)
    reviewer.page.get_by_label("新密码", exact=True).fill(CHANGED)
    reviewer.page.get_by_label("再次输入新密码").fill(CHANGED)
    reviewer.page.get_by_role("button", name="保存新密码").click()
    expect(reviewer.page.get_by_text("密码已修改")).to_be_visible()
    reviewer.step("password-changed")

    # later the password is forgotten: reset by the code texted to the phone
    person = journey("phone")
    person.goto("/login")
    person.page.get_by_role("link", name="忘记密码？").click()
    person.expect_path("/login/forgot")
    person.page.get_by_label("手机号").fill(REVIEWER_PHONE)
    person.page.get_by_role("button", name="发送验证码").click()
    expect(person.page.get_by_role("status")).to_contain_text("验证码已发送")
    person.step("reset-code-sent")
    standin = f"http://127.0.0.1:{site.up.env['KEPURI_SMS_STANDIN_PORT']}"

    def code() -> str | None:
        handset = httpx.get(f"{standin}/v1/handsets", params={"to": REVIEWER_PHONE}).json()
        found = [re.search(r"验证码 (\d{6})", m["text"]) for m in handset["messages"]]
        return next((f.group(1) for f in found if f), None)

    person.page.get_by_label("短信验证码").fill(until(code, "the reset code never reached the phone"))
    person.page.get_by_label("新密码", exact=True).fill(RESET)
    person.page.get_by_label("再次输入新密码").fill(RESET)
    person.page.get_by_role("button", name="重置密码").click()
    expect(person.page.get_by_text("密码已重置")).to_be_visible()
    person.step("password-reset")
    person.page.get_by_role("link", name="去登录").click()
    person.log_in(REVIEWER, RESET)
    person.expect_path("/workbench/review")
    person.step("logged-in-with-reset-password")

    # a visitor reads who was commended
    name = given_a_city_commendation(api)
    visitor = journey("phone")
    visitor.goto("/")
    visitor.page.get_by_role("navigation", name="页脚导航").get_by_role("link", name="表扬名单").click()
    visitor.expect_path("/commended")
    visitor.page.get_by_label("活动年度").select_option(label=campaign_title(api))
    item = visitor.page.get_by_role("listitem").filter(has_text=name)
    expect(item).to_be_visible()
    expect(item.get_by_text("市级表扬")).to_be_visible()
    expect(item.get_by_text("市科协予以表扬", exact=False)).to_be_visible()
    visitor.step("commended-list")
