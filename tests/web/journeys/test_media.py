"""Issue 19's media journeys: an organizer uploads a photo while completing an activity's info, and a
visitor on a phone sees it with the turnout on the public activity page; an online activity whose live
stream runs now shows 直播中 with its link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.registration.media.pictures import jpeg_with_gps

from .given import approved_activity
from .site_support import ORGANIZER_PASSWORD, Api, Journey, until

OpenJourney = Callable[[str], Journey]


def test_an_organizer_uploads_a_photo_and_a_visitor_sees_it_with_the_turnout(
    journey: OpenJourney, api: Api, tmp_path: Path
) -> None:
    activity = approved_activity(api, "科学影像进社区", starts_in=45)  # the info opens at the start
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(jpeg_with_gps())
    disguised = tmp_path / "不是照片.jpg"
    disguised.write_bytes(b"<html><script>alert(1)</script></html>")

    organizer = journey("desktop")
    organizer.goto("/login")
    organizer.log_in(activity.organizer_login, ORGANIZER_PASSWORD)
    organizer.expect_path("/workbench/activities")
    organizer.page.get_by_role("link", name=activity.name).click()
    organizer.expect_path(f"/workbench/activities/{activity.id}")
    organizer.page.wait_for_timeout(activity.seconds_to_start() * 1000 + 500)
    organizer.page.get_by_role("button", name="完善信息").click()
    organizer.expect_path(f"/workbench/activities/{activity.id}/info")
    organizer.step("info-page")

    # a file that only calls itself a photo is refused, in Chinese, and nothing is attached
    organizer.allow_console_error(r"status of 415")
    with organizer.page.expect_file_chooser() as chooser:
        organizer.page.get_by_role("button", name="上传照片或视频").click()
    chooser.value.set_files(disguised)
    expect(organizer.page.get_by_role("alert").filter(has_text="不是照片.jpg")).to_contain_text("不是支持的照片或视频")
    expect(organizer.page.get_by_role("img", name="已上传照片 1")).to_have_count(0)
    organizer.step("disguised-file-refused")

    # the photo: uploaded, its thumbnail shown, saved with the turnout and a summary
    with organizer.page.expect_file_chooser() as chooser:
        organizer.page.get_by_role("button", name="上传照片或视频").click()
    chooser.value.set_files(photo)
    expect(organizer.page.get_by_role("img", name="已上传照片 1")).to_be_visible()
    expect(organizer.page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "25")
    organizer.page.get_by_label("实际参与人数").fill("186")
    organizer.page.get_by_label("活动总结").fill("居民用手机拍下身边的科学，186 人参加。")
    organizer.step("photo-uploaded")
    organizer.page.get_by_role("button", name="保存", exact=True).click()
    organizer.expect_path(f"/workbench/activities/{activity.id}")
    expect(organizer.page.get_by_text("活动信息已保存。")).to_be_visible()
    organizer.step("info-saved")

    # the directory learns of the info from the activities stream
    showcase = f"/api/v1/directory/activities/{activity.id}/showcase"
    shown = until(lambda: (s := api.get(showcase))["completed"] and s, "the showcase never had the info")
    [stored] = shown["photos"]
    full = api.client.get(stored["url"])  # through the one origin, as the visitor's phone reads it
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert "immutable" in full.headers["cache-control"] and b"KepuriCam" not in full.content

    visitor = journey("phone")
    visitor.goto(f"/activities/{activity.id}")
    review = visitor.page.get_by_role("region", name="活动回顾")
    expect(review).to_contain_text("实际参与 186 人")
    expect(review).to_contain_text("居民用手机拍下身边的科学")
    thumbnail = review.get_by_role("img", name="活动照片 1（点击查看大图）")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("(img) => img.complete && img.naturalWidth > 0")
    visitor.step("showcase-on-a-phone")
    link = review.get_by_role("link", name="活动照片 1（点击查看大图）")
    expect(link).to_have_attribute("href", stored["url"])

    at_a_desk = journey("desktop")
    at_a_desk.goto(f"/activities/{activity.id}")
    expect(at_a_desk.page.get_by_role("region", name="活动回顾")).to_contain_text("实际参与 186 人")
    at_a_desk.step("showcase-at-a-desk")


def test_an_online_activity_whose_live_stream_runs_now_shows_live(journey: OpenJourney, api: Api) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    live = {
        "format": "both",
        "online_url": "https://live.example.cn/kepuri/xingkong",
        "live_url": "https://live.example.cn/kepuri/xingkong/live",
        "live_starts_at": (now - timedelta(minutes=5)).isoformat(),
        "live_ends_at": (now + timedelta(hours=2)).isoformat(),
    }
    activity = approved_activity(api, "星空直播课", starts_in=3600, changes=live)

    # the organizer moves the stream to another address on the activity's form
    moved = "https://live.example.cn/kepuri/xingkong/live-2"
    organizer = journey("desktop")
    organizer.goto("/login")
    organizer.log_in(activity.organizer_login, ORGANIZER_PASSWORD)
    organizer.expect_path("/workbench/activities")
    organizer.page.get_by_role("link", name=activity.name).click()
    organizer.expect_path(f"/workbench/activities/{activity.id}")
    organizer.page.get_by_role("button", name="修改").click()
    organizer.expect_path(f"/workbench/activities/{activity.id}/edit")
    stream = organizer.page.get_by_label("直播网址（可选）")
    expect(stream).to_have_value(live["live_url"])
    stream.fill(moved)
    organizer.step("live-stream-moved")
    organizer.page.get_by_role("button", name="保存修改").click()
    organizer.expect_path(f"/workbench/activities/{activity.id}")
    expect(organizer.page.get_by_text("修改已保存。")).to_be_visible()

    # the directory learns of the change from the activities stream
    showcase = f"/api/v1/directory/activities/{activity.id}/showcase"
    until(lambda: (api.get(showcase)["live"] or {}).get("url") == moved, "the moved stream never reached the page")
    visitor = journey("phone")
    visitor.goto(f"/activities/{activity.id}")
    streaming = visitor.page.get_by_role("region", name="直播中")
    expect(streaming).to_be_visible()
    expect(streaming.get_by_role("link", name="进入直播")).to_have_attribute("href", moved)
    visitor.step("live-now")
