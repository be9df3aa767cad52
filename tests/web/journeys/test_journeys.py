"""Issue 18's five journeys, each one test, through the browser only, on the real platform.

Each is written as far as the site on main goes today; the authors of the pages each journey needs
extend its function with the steps their page makes possible (web/README.md, "Journeys"): do the
thing through the page as a person would, assert what the person sees, then ``person.step(name)``.
What a journey takes as given and no page of its own offers is made through ``api`` beforehand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import expect

from .conftest import Site
from .given import approved_activity, open_dashboard
from .site_support import CHINA, ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, Journey
from .workbench_support import attachment_1, campaign_title, choose, days_ahead, fill_time, recommendable_activity

OpenJourney = Callable[[str], Journey]
# journey 4's science workers (numbers no failure rule of the SMS stand-in matches)
SCIENCE_WORKERS = [("李明华", "13991234567"), ("赵晓燕", "13991234568")]


def menu(person: Journey, entry: str) -> None:
    """Click ``entry`` of the workbench menu."""
    person.page.get_by_role("navigation", name="工作台菜单").get_by_text(entry, exact=True).click()


def test_journey_1_an_organizer_registers_activities(journey: OpenJourney, api: Api, tmp_path: Path) -> None:
    """An organizer signs up, registers an activity through the form (fixing a field the API refused),
    imports a 附件1 sheet with one bad row and sees the row report."""
    campaign = campaign_title(api)
    phone = "13991200001"
    person = journey("desktop")
    person.goto("/signup")
    page = person.page
    page.get_by_label("单位名称").fill("渭南市临渭区实验小学")
    choose(page, "单位类型", "学校")
    choose(page, "所在地区：省份", "陕西省")
    choose(page, "所在地区：城市", "渭南市")
    choose(page, "所在地区：区县", "临渭区")
    page.get_by_label("联系人", exact=True).fill("孙丽")
    page.get_by_label("联系人手机号（登录账号）").fill(phone)
    page.get_by_label("密码", exact=True).fill(ORGANIZER_PASSWORD)
    page.get_by_label("再次输入密码").fill(ORGANIZER_PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text(f"请使用联系人手机号 {phone}")).to_be_visible()
    person.step("signed-up")

    page.get_by_role("button", name="去登录").click()
    person.expect_path("/login")
    expect(page.get_by_label("账号（手机号或登录名）")).to_have_value(phone)
    page.get_by_label("密码", exact=True).fill(ORGANIZER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    person.expect_path("/workbench/activities")
    expect(page.get_by_text("活动举办单位 · 渭南市临渭区实验小学")).to_be_visible()  # the header names the unit
    expect(page.get_by_text("还没有登记活动")).to_be_visible()
    person.step("my-activities-empty")

    # the form: the contact phone is one digit short, which only the API's rule refuses
    menu(person, "登记活动")
    person.expect_path("/workbench/activities/new")
    choose(page, "活动年度", campaign)
    page.get_by_label("活动名称").fill("防震减灾科普进校园")
    page.get_by_label("举办单位", exact=True).fill("渭南市临渭区实验小学")
    fill_time(page, days_ahead(15, "09:00"), days_ahead(15, "11:30"))
    choose(page, "活动所在地区：区县", "临渭区")  # 陕西省 渭南市 are the campaign's, chosen already
    page.get_by_label("活动地点").fill("渭南市临渭区实验小学报告厅")
    page.get_by_label("负责人").fill("孙丽")
    page.get_by_label("联系电话").fill("1399120000")
    person.allow_console_error(r"status of 422")  # the refusal below
    page.get_by_role("button", name="提交登记").click()
    phone_item = page.locator(".el-form-item").filter(has=page.get_by_label("联系电话"))
    expect(phone_item.get_by_text("联系电话格式不正确")).to_be_visible()
    person.step("register-refused")

    page.get_by_label("联系电话").fill("13991200001")
    page.get_by_role("button", name="提交登记").click()
    expect(page).to_have_url(re.compile(r"/workbench/activities/\w+\?saved=new$"))
    expect(page.get_by_role("heading", name="防震减灾科普进校园")).to_be_visible()
    expect(page.get_by_text("活动已登记，等待审核。")).to_be_visible()
    person.step("registered")

    menu(person, "我的活动")
    person.expect_path("/workbench/activities")
    row = page.get_by_role("row").filter(has_text="防震减灾科普进校园")
    expect(row.get_by_text("已登记")).to_be_visible()
    expect(row.get_by_text("待审核")).to_be_visible()
    person.step("my-activities")

    # 附件1: three rows, the second held in 雁塔区 (西安), outside the campaign's 渭南
    sheet = attachment_1(
        tmp_path,
        [
            (
                "青少年机器人编程体验",
                "渭南市临渭区实验小学",
                days_ahead(17, "14:00-16:00"),
                "实验小学创客教室",
                "孙丽",
                "13991200001",
                "610502",
            ),
            (
                "科学家进校园讲座",
                "渭南市临渭区实验小学",
                days_ahead(18, "09:00-10:30"),
                "西安市雁塔区科技路 1 号",
                "孙丽",
                "13991200001",
                "610113",
            ),
            (
                "食品安全小课堂",
                "渭南市临渭区实验小学",
                days_ahead(19, "15:00-16:00"),
                "实验小学一年级教室",
                "孙丽",
                "13991200001",
                "610502",
            ),
        ],
    )
    menu(person, "附件1导入导出")
    person.expect_path("/workbench/activities/import")
    choose(page, "活动年度", campaign)
    page.get_by_label("选择 .xlsx 文件").set_input_files(sheet)
    page.get_by_role("button", name="开始导入").click()
    report = page.get_by_role("region", name="导入结果")
    expect(report.get_by_text("新登记 2")).to_be_visible()
    expect(report.get_by_text("未导入 1")).to_be_visible()
    bad = report.get_by_role("row").filter(has_text="第 4 行")
    expect(bad.get_by_text("未导入")).to_be_visible()
    expect(bad.get_by_text("行政区划代码")).to_be_visible()
    expect(bad.get_by_text("不在")).to_be_visible()
    person.step("import-report")

    menu(person, "我的活动")
    expect(page.get_by_role("row").filter(has_text="青少年机器人编程体验")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="食品安全小课堂")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="科学家进校园讲座")).to_have_count(0)
    person.step("my-activities-imported")


def test_journey_2_reviewers_approve_recommend_and_endorse(journey: OpenJourney, api: Api) -> None:
    """A county reviewer approves the activity and recommends it with 附件3; the city endorses it.

    The notice's chain (docs/review.md): the county recommends to the city; the city's endorsement
    sends it on to the province (forward_to), whose endorsement is final — so after the city
    endorses, the recommendation stands in the city's 已同意 box, waiting for the province."""
    campaign = campaign_title(api)
    activity = recommendable_activity(api, "地震科普体验营")
    county = journey("desktop")
    county.goto("/login")
    county.log_in("linwei", STAFF_PASSWORD)
    county.expect_path("/workbench/review")
    expect(county.page.get_by_text("审核员 · 610502")).to_be_visible()
    page = county.page
    choose(page, "活动年度", campaign)
    row = page.get_by_role("row").filter(has_text=activity.name)
    expect(row.get_by_text("已完善")).to_be_visible()
    county.step("county-queue")

    row.get_by_role("button", name="通过").click()
    expect(page.get_by_text(f"已通过：{activity.name}")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=activity.name)).to_have_count(0)
    county.step("county-approved")

    page.get_by_role("tab", name="已通过").click()
    row = page.get_by_role("row").filter(has_text=activity.name)
    row.get_by_role("link", name="推荐（附件3）").click()
    county.expect_path("/workbench/review/recommend/activity")
    current = county.page.get_by_role("navigation", name="工作台菜单").get_by_role("menuitem", name="推荐")
    expect(current).to_have_attribute("aria-current", "page")  # the form belongs to 推荐, not 待审核活动
    chosen = page.locator(".el-form-item").filter(has=page.get_by_role("combobox", name="推荐的活动"))
    expect(chosen.get_by_text(activity.name)).to_be_visible()  # the activity of the row, already chosen
    page.get_by_label("推荐理由").fill("面向青少年的沉浸式地震体验，参与踊跃，效果突出。")
    page.get_by_label("主要内容").fill("地震模拟平台体验、应急包整理比赛、科学家讲解地震预警。")
    page.get_by_label("联系人", exact=True).fill("林伟")
    page.get_by_label("联系电话").fill("13991300009")
    county.step("county-recommend-form")
    page.get_by_role("button", name="提交推荐").click()
    county.expect_path("/workbench/review/recommendations")
    expect(page.get_by_role("tab", name="我推荐的")).to_have_attribute("aria-selected", "true")
    sent = page.get_by_test_id("recommendation").filter(has_text=activity.name)
    expect(sent.get_by_text("待市级审核")).to_be_visible()
    county.step("county-sent")

    city = journey("desktop")
    city.goto("/login")
    city.log_in("weinan-city", STAFF_PASSWORD)
    city.expect_path("/workbench/review")
    expect(city.page.get_by_text("审核员 · 6105")).to_be_visible()
    menu(city, "推荐")
    city.expect_path("/workbench/review/recommendations")
    page = city.page
    choose(page, "活动年度", campaign)
    received = page.get_by_test_id("recommendation").filter(has_text=activity.name)
    expect(received.get_by_text("由 县级 610502")).to_be_visible()
    figures = received.get_by_role("definition")
    expect(received.get_by_text("参与人次")).to_be_visible()
    expect(received.get_by_text("科技工作者")).to_be_visible()
    expect(figures.filter(has_text="100%")).to_be_visible()  # its information completed
    city.step("city-received")

    received.get_by_role("button", name="同意推荐").click()
    dialog = page.get_by_role("dialog", name="同意推荐")
    dialog.get_by_label("审核意见").fill("同意推荐，报省科协。")
    dialog.get_by_role("button", name="同意推荐").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text(f"同意推荐：{activity.name}")).to_be_visible()
    city.step("city-endorsed")

    page.get_by_role("tab", name="已同意").click()
    endorsed = page.get_by_test_id("recommendation").filter(has_text=activity.name)
    expect(endorsed.get_by_text("待省级审核")).to_be_visible()
    expect(endorsed.get_by_text("同意推荐：同意推荐，报省科协。")).to_be_visible()
    city.step("city-endorsed-box")


def test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone(journey: OpenJourney, api: Api) -> None:
    """On a 375 × 812 phone the public finds the activity by text search and on the map near a point,
    checks in, and rates it after it starts; the operations dashboard's count moves."""
    person = journey("phone")  # the member of the public (the first: screenshots in <test>/)
    # an operations person keeps the dashboard open (through the workbench's navigation)
    ops = journey("phone")
    ops.goto("/login")
    ops.log_in("ops", STAFF_PASSWORD)
    ops.expect_path("/workbench/admin/campaigns")
    expect(ops.page.get_by_role("link", name="运营看板")).to_be_visible()
    ops.step("ops-workbench")
    dashboard = open_dashboard(ops)
    counter = {name: dashboard.page.locator(f"#{name}") for name in ("checkins", "feedback")}
    expect(dashboard.page.get_by_text("实时连接")).to_be_visible()
    expect(counter["checkins"]).not_to_have_text("—")
    before = {name: int(value.inner_text()) for name, value in counter.items()}
    dashboard.step("dashboard-before", streaming=True)

    # given: an approved, public activity in 临渭区 with its place and two science workers, starting
    # in a few seconds (given.py: it can be rated only once it has started)
    workers = [{"name": "刘建华", "phone": "13991230011"}, {"name": "孙丽", "phone": "13991230012"}]
    activity = approved_activity(
        api, "星空下的防震减灾体验夜", starts_in=25, latitude=34.5001, longitude=109.4902, science_workers=workers
    )

    person.goto("/")
    expect(person.page.locator("#campaign-title")).to_be_visible()
    person.step("home")

    person.page.locator("#main").get_by_role("link", name="查找身边的活动").click()
    person.expect_path("/search")
    person.page.get_by_label("搜索活动名称、举办单位、地点").fill("防震减灾")
    person.page.get_by_role("button", name="搜索", exact=True).click()
    result = person.page.get_by_role("link", name=activity.name)
    expect(result).to_be_visible()
    person.step("search-found")
    # 今天: China's today, as the directory reckons it; the activity is found when it is held today
    person.page.get_by_role("button", name=re.compile("筛选")).click()
    dates = person.page.get_by_role("group", name="活动日期")
    dates.get_by_role("radio", name="今天").check()
    expect(person.page).to_have_url(re.compile(r"[?&]when=today"))
    held_today = datetime.now(CHINA).date() in {
        activity.starts_at.astimezone(CHINA).date(),
        (activity.starts_at + timedelta(hours=3)).astimezone(CHINA).date(),
    }
    expect(result).to_have_count(1 if held_today else 0)
    person.step("search-today")
    dates.get_by_role("radio", name="不限").check()
    expect(result).to_be_visible()

    result.click()
    person.expect_path(f"/activities/{activity.id}")
    expect(person.page.get_by_role("heading", name=activity.name)).to_be_visible()
    expect(person.page.get_by_text("渭南市临渭区朝阳大街 18 号渭南市科技馆")).to_be_visible()
    expect(person.page.get_by_text("2 位科技工作者参与")).to_be_visible()
    person.step("activity")

    # near me: the phone's location, a few hundred metres from the activity, granted to the site
    person.page.context.grant_permissions(["geolocation"], origin=person.origin)
    person.page.context.set_geolocation({"latitude": 34.4978, "longitude": 109.4861})
    person.page.get_by_role("button", name="打开导航").click()  # the phone's header menu
    person.page.get_by_role("navigation", name="主导航").get_by_role("link", name="科普地图").click()
    person.expect_path("/map")
    person.page.get_by_role("button", name="我附近（30 分钟科普圈）").click()
    expect(person.page.get_by_text("我的位置周围 15 公里（30 分钟科普圈，2024 年通知）内的活动。")).to_be_visible()
    near = person.page.get_by_role("listitem").filter(has=person.page.get_by_role("link", name=activity.name))
    expect(near).to_contain_text("米")  # its distance from the person
    person.step("map-near-me")

    near.get_by_role("link", name=activity.name).click()
    person.expect_path(f"/activities/{activity.id}")
    person.page.get_by_role("button", name="我来打卡").click()
    expect(person.page.get_by_text("打卡成功！感谢你参加本次科普活动。")).to_be_visible()
    expect(person.page.get_by_text("1 人打卡")).to_be_visible()
    person.step("checked-in")

    # the activity starts while the page is open: its rating form opens by itself
    if activity.seconds_to_start() > 2:
        expect(person.page.get_by_text("活动开始后可以在这里评分和留言。")).to_be_visible()
    stars = person.page.get_by_role("group", name="评分（1–5 星）")
    expect(stars).to_be_visible(timeout=(activity.seconds_to_start() + 10) * 1000)
    stars.get_by_label("5 星，非常满意").check()
    person.page.get_by_label("留言（选填）").fill("演练很真实，孩子学会了地震时躲在桌下。")
    person.page.get_by_role("button", name="提交评价").click()
    expect(person.page.get_by_text("感谢你的评价（5 星）！")).to_be_visible()
    person.page.evaluate("() => window.scrollTo(0, 0)")  # a full-page shot draws the sticky header where it is
    person.step("rated")

    # a moment later the rating counts on the activity's page
    rating = person.page.get_by_label("评分", exact=True).filter(has_text="5.0 分（1 人评价）")
    for _ in range(20):
        person.page.reload(wait_until="networkidle")
        if rating.is_visible():
            break
        person.page.wait_for_timeout(500)
    expect(rating).to_be_visible()
    expect(person.page.get_by_text("1 人打卡")).to_be_visible()
    person.step("rating-shown")

    # the dashboard, still open, has counted the check-in and the rating
    expect(counter["checkins"]).to_have_text(str(before["checkins"] + 1), timeout=20_000)
    expect(counter["feedback"]).to_have_text(str(before["feedback"] + 1), timeout=20_000)
    dashboard.step("dashboard-after", streaming=True)


def test_journey_4_the_organizer_completes_info_and_reads_the_inbox(journey: OpenJourney, api: Api, site: Site) -> None:
    """The organizer completes the activity's info and sees the thank-yous' delivery states and the
    inbox message."""
    # given: the organizer's activity, approved by 临渭区 (the inbox's review outcome), starting soon
    # (given.py: its science workers are typed in before the start, its info completed after it)
    activity = approved_activity(api, "防灾减灾科普进校园", starts_in=75)  # room for a slow machine
    person = journey("phone")
    person.goto("/login")
    person.allow_console_error(r"status of 401")  # the mistyped password below
    person.log_in(activity.organizer_login, "not-the-password")
    expect(person.page.get_by_text("账号或密码不正确")).to_be_visible()
    person.step("login-refused")
    person.log_in(activity.organizer_login, ORGANIZER_PASSWORD)
    person.expect_path("/workbench/activities")
    expect(person.page.get_by_role("link", name=activity.name)).to_be_visible()
    person.step("my-activities")

    # the science workers who will take part, typed in before the activity starts
    person.page.get_by_role("link", name=activity.name).click()
    person.expect_path(f"/workbench/activities/{activity.id}")
    person.page.get_by_role("button", name="修改").click()
    person.expect_path(f"/workbench/activities/{activity.id}/edit")
    for number, (name, phone) in enumerate(SCIENCE_WORKERS, start=1):
        person.page.get_by_role("button", name="添加一位").click()
        person.page.get_by_label(f"第 {number} 位姓名").fill(name)
        person.page.get_by_label(f"第 {number} 位手机号").fill(phone)
    person.step("science-workers-typed")
    person.page.get_by_role("button", name="保存修改").click()
    person.expect_path(f"/workbench/activities/{activity.id}")
    expect(person.page.get_by_text("修改已保存。")).to_be_visible()
    for name, _ in SCIENCE_WORKERS:
        expect(person.page.get_by_text(name)).to_be_visible()
    person.step("science-workers-saved")

    # once the activity has started, its info: a photo, a news link, the turnout, a summary
    person.page.wait_for_timeout(activity.seconds_to_start() * 1000 + 500)
    person.page.get_by_role("button", name="完善信息").click()
    person.expect_path(f"/workbench/activities/{activity.id}/info")
    completeness = person.page.get_by_role("progressbar")
    expect(completeness).to_have_attribute("aria-valuenow", "0")
    person.page.get_by_label("活动照片链接（每行一个，最多 20 个）").fill(
        "https://kepuri.example.cn/photos/fangzai-1.jpg"
    )
    person.page.get_by_label("新闻报道链接（每行一个，最多 20 个）").fill("https://news.example.cn/weinan/2026/fangzai")
    person.page.get_by_label("实际参与人数").fill("186")
    person.page.get_by_label("活动总结").fill("186 名师生参加了地震避险演练，科技工作者讲解了防灾常识。")
    expect(completeness).to_have_attribute("aria-valuenow", "90")
    person.step("info-filled")
    person.page.get_by_role("button", name="保存").click()
    person.expect_path(f"/workbench/activities/{activity.id}")
    expect(person.page.get_by_text("活动信息已保存。")).to_be_visible()
    expect(person.page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "90")
    person.step("info-saved")

    # the thank-you SMS, sent in the unit's name to each science worker, and their delivery states
    person.page.get_by_role("link", name="消息与致谢").first.click()
    person.expect_path("/workbench/inbox")
    delivered = person.page.get_by_role("listitem").filter(has_text="致谢短信").filter(has_text="已送达")
    for _ in range(30):
        if delivered.count() == len(SCIENCE_WORKERS):
            break
        person.page.wait_for_timeout(500)
        person.page.get_by_role("button", name="刷新").click()
    expect(delivered).to_have_count(len(SCIENCE_WORKERS))
    for _, phone in SCIENCE_WORKERS:
        expect(person.page.get_by_text(f"{phone[:3]}****{phone[-4:]}")).to_be_visible()
    person.step("thank-you-delivery")
    # and each handset got its one message (the SMS stand-in that `kepuri up` runs)
    standin = f"http://127.0.0.1:{site.up.env['KEPURI_SMS_STANDIN_PORT']}"
    for _, phone in SCIENCE_WORKERS:
        handset = httpx.get(f"{standin}/v1/handsets", params={"to": phone}).json()
        assert handset["received"] == 1, handset

    # the inbox: the review outcome
    person.page.get_by_role("tab", name="站内消息").click()
    approval = person.page.get_by_role("listitem").filter(has_text="审核通过").filter(has_text=activity.name)
    expect(approval).to_be_visible()
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

    # the operations dashboard: analytics' own page, through the same origin, in a window of its own
    # that the workbench hands its token (given.open_dashboard)
    dashboard = open_dashboard(admin)
    expect(dashboard.page.get_by_text("实时连接")).to_be_visible()
    dashboard.step("dashboard", streaming=True)

    # an organizer of 渭南 registers in the new campaign, whose window has closed
    phone = api.organizer()
    organizer = journey("desktop")
    organizer.goto("/login")
    organizer.log_in(phone, ORGANIZER_PASSWORD)
    organizer.expect_path("/workbench/activities")
    menu(organizer, "登记活动")
    organizer.expect_path("/workbench/activities/new")
    page = organizer.page
    choose(page, "活动年度", f"{title}（登记已截止）")
    # the form names the window as soon as the campaign is chosen
    expect(page.get_by_text(f"登记时间：{window_words(opens, closes)}，已截止")).to_be_visible()
    page.get_by_label("活动名称").fill("食品安全进社区科普讲座")
    page.get_by_label("举办单位", exact=True).fill("渭南市科技馆")
    fill_time(page, f"{week_starts} 09:00", f"{week_starts} 11:30")
    choose(page, "活动所在地区：区县", "临渭区")  # 陕西省 渭南市 are the campaign's, chosen already
    page.get_by_label("活动地点").fill("渭南市临渭区朝阳大街科技馆一楼报告厅")
    page.get_by_label("负责人").fill("王建国")
    page.get_by_label("联系电话").fill("13812345678")
    organizer.step("register-form")
    organizer.allow_console_error(r"status of 422")  # the refusal below
    page.get_by_role("button", name="提交登记").click()
    # the message at the top (the field's own error, also an alert, may follow it a moment later)
    alert = page.get_by_role("alert").filter(has_text="不在登记时间内").first
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
