"""Issue 19, "Reviewers must see what they judge": a county reviewer opens an activity of the queue and
reads everything its organizer registered and completed (活动详情), then downloads the 附件1 plan table
of the county with the contact person and phone in full."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from .site_support import CHINA, STAFF_PASSWORD, Api, Journey
from .workbench_support import campaign_title, choose, recommendable_activity

OpenJourney = Callable[[str], Journey]
DESCRIPTION = "带领青少年走进地震台，体验地震模拟平台，学习应急避险。"
ADDRESS = "渭南市临渭区朝阳大街 1 号地震台"
SUMMARY = "活动顺利举行，青少年亲手搭建了地震预警模型。"
NEWS = "https://news.example.cn/weinan/earthquake-camp"
PHOTO = "https://img.example.cn/weinan/earthquake-camp-1.jpg"


def shown_time(starts: datetime, ends: datetime) -> str:
    """The drawer's 活动时间 (China time; the end's day only when it differs)."""
    end = ends.strftime("%H:%M") if ends.date() == starts.date() else ends.strftime("%Y-%m-%d %H:%M")
    return f"{starts:%Y-%m-%d %H:%M} 至 {end}"


def test_a_county_reviewer_sees_what_it_judges_and_the_full_contacts_of_attachment_1(
    journey: OpenJourney, api: Api
) -> None:
    campaign = campaign_title(api)
    now = datetime.now(CHINA).replace(second=0, microsecond=0)
    starts, ends = now - timedelta(hours=1), now + timedelta(hours=3)
    activity = recommendable_activity(
        api,
        "地震台开放日·青少年应急体验",
        details={
            "description": DESCRIPTION,
            "address": ADDRESS,
            "key_activity": True,
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(),
        },
        info={"photo_urls": [PHOTO], "news_urls": [NEWS], "actual_participants": 86, "summary": SUMMARY},
    )

    county = journey("desktop")
    county.goto("/login")
    county.log_in("linwei", STAFF_PASSWORD)
    county.expect_path("/workbench/review")
    page = county.page
    choose(page, "活动年度", campaign)
    page.get_by_role("button", name=f"活动详情：{activity.name}").click()
    drawer = page.get_by_role("dialog", name="活动详情")
    expect(drawer.get_by_text(DESCRIPTION)).to_be_visible()
    expect(drawer.get_by_text(ADDRESS)).to_be_visible()
    expect(drawer.get_by_text(shown_time(starts, ends))).to_be_visible()
    expect(drawer.get_by_text(SUMMARY)).to_be_visible()
    expect(drawer.get_by_text("86", exact=True)).to_be_visible()  # 实际参与人数
    expect(drawer.get_by_role("link", name=NEWS)).to_have_attribute("href", NEWS)
    expect(drawer.get_by_role("link", name="照片 1")).to_have_attribute("href", PHOTO)
    expect(drawer.get_by_text("139****0001")).to_be_visible()  # the general topic's masked contact
    expect(drawer.get_by_role("button", name="关闭此对话框")).to_be_in_viewport(ratio=1)
    county.step("activity-details")
    drawer.get_by_role("button", name="关闭此对话框").click()
    expect(drawer).to_be_hidden()

    page.get_by_role("navigation", name="工作台菜单").get_by_text("导出", exact=True).click()
    county.expect_path("/workbench/review/exports")
    choose(page, "活动年度", campaign)
    with page.expect_download() as download:
        page.get_by_role("button", name="下载附件1（Excel）").click()
    expect(page.get_by_text("已下载：")).to_be_visible()
    county.step("attachment-1-downloaded")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]  # saved without a suffix
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    ours = [dict(zip(header, row, strict=False)) for row in rows[2:] if activity.name in row]
    assert len(ours) == 1, rows
    assert (ours[0]["负责人"], ours[0]["联系电话"]) == ("赵敏", "13991300001")  # in full, inside 610502

    phone = journey("phone")  # the same drawer on a phone
    phone.goto("/login")
    phone.log_in("linwei", STAFF_PASSWORD)
    phone.expect_path("/workbench/review")
    choose(phone.page, "活动年度", campaign)
    phone.page.get_by_role("button", name=f"活动详情：{activity.name}").click()
    drawer = phone.page.get_by_role("dialog", name="活动详情")
    expect(drawer.get_by_role("button", name="关闭此对话框")).to_be_in_viewport(ratio=1)  # slid all the way in
    drawer.get_by_text(SUMMARY).scroll_into_view_if_needed()
    expect(drawer.get_by_text(SUMMARY)).to_be_in_viewport()
    phone.step("activity-details-phone")
