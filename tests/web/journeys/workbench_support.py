"""What journeys 1 and 2 need besides site_support: picking an option of an Element Plus select the
way a person does (open it, click the option), a 附件1 sheet as an organizer fills it in, and an
activity that a county reviewer can approve and then recommend (registered, its information
completed, already seen by the review service).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from .site_support import CHINA, ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, until

# the city's key-activity table (附件1) and the columns a registration needs beyond it
SHEET_HEADER = ("序号", "项目名称", "举办单位", "活动时间", "活动地点", "负责人", "联系电话", "备注", "行政区划代码")


def choose(page: Page, label: str, option: str) -> None:
    """Open the select labelled ``label`` (a click on its box, as a person clicks it) and click its
    option ``option`` in its own list."""
    combobox = page.get_by_role("combobox", name=label, exact=True)
    combobox.locator("xpath=ancestor::div[contains(@class, 'el-select__wrapper')]").click()
    choices = page.locator(f"#{combobox.get_attribute('aria-controls')}")  # the list it opens
    expect(choices).to_be_visible()
    choices.get_by_role("option", name=option, exact=True).click()
    expect(choices).to_be_hidden()  # closed, not fading over the page


def campaign_title(api: Api) -> str:
    """The title people see for ``api.current_campaign()``."""
    campaign = api.get(f"/api/v1/campaigns/{api.current_campaign()}")
    return str(campaign["title"])


def attachment_1(folder: Path, rows: list[tuple[str, str, str, str, str, str, str]]) -> Path:
    """An 附件1 .xlsx with a title line above the header, one activity per row: (name, organizer,
    time as typed, place, contact, phone, region code)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "附件1"
    sheet.append(["2026年全国科普日重点活动安排表"])
    sheet.append(list(SHEET_HEADER))
    for number, (name, organizer, when, place, contact, phone, region) in enumerate(rows, start=1):
        sheet.append([number, name, organizer, when, place, contact, phone, "", region])
    path = folder / "附件1-重点活动.xlsx"
    book.save(path)
    return path


@dataclass(frozen=True)
class ReadyActivity:
    id: str
    name: str
    organizer: str


def recommendable_activity(
    api: Api,
    name: str,
    region_code: str = "610502",
    details: Mapping[str, Any] | None = None,
    info: Mapping[str, Any] | None = None,
) -> ReadyActivity:
    """An activity of a new unit in ``api.current_campaign()``: registered, started an hour ago (so
    its information can be completed: the Weinan rule recommends only completed ones), information
    completed, pending content review, and already in the review service's queue. ``details`` and
    ``info`` add to (or replace) what is registered and completed."""
    campaign = api.current_campaign()
    unit = "临渭区青少年科技活动中心"
    phone = api.organizer(name=unit, region_code=region_code)
    headers = api.headers(phone, ORGANIZER_PASSWORD)
    now = datetime.now(CHINA).replace(microsecond=0)
    body = {
        "campaign_id": campaign,
        "name": name,
        "organizer": unit,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "region_code": region_code,
        "address": "渭南市临渭区朝阳大街 1 号",
        "contact_name": "赵敏",
        "contact_phone": "13991300001",
        "science_workers": [{"name": "李工程师", "phone": "13991300002"}],
        **(details or {}),
    }
    answer = api.client.post("/api/v1/activities", json=body, headers=headers)
    assert answer.status_code in (200, 201), answer.text
    activity = answer.json()
    completed = {"actual_participants": 120, "summary": "活动顺利举行，青少年亲手搭建了地震预警模型。", **(info or {})}
    answer = api.client.put(
        f"/api/v1/activities/{activity['id']}/info",
        json=completed,
        headers={**headers, "If-Match": f'"{activity["version"]}"'},
    )
    assert answer.status_code == 200, answer.text
    wait_for_review(api, campaign, activity["id"])
    return ReadyActivity(activity["id"], name, unit)


def wait_for_review(api: Api, campaign: str, activity_id: str, timeout: float = 20) -> None:
    """Until the review service (which learns activities from the streams) has the activity pending
    with its information completed."""
    headers = api.headers("linwei", STAFF_PASSWORD)

    def seen() -> bool:
        queue = api.get("/api/v1/review/queue", params={"campaign_id": campaign, "status": "pending"}, headers=headers)
        return any(item["activity_id"] == activity_id and item["info_completed"] for item in queue["items"])

    until(seen, f"review never saw {activity_id} with its information completed", timeout)


def fill_time(page: Page, starts: str, ends: str) -> None:
    """Type a date-time range picker's start and end ("2026-12-20 09:00") as a person types them."""
    for placeholder, value in (("开始时间", starts), ("结束时间", ends)):
        field = page.get_by_placeholder(placeholder).first  # the picker's panel has inputs of its own
        field.click()
        field.fill(value)
        field.press("Enter")
    page.keyboard.press("Escape")


def days_ahead(days: int, at: str) -> str:
    """China's date ``days`` from today with the time ``at`` ("09:00"), as typed: "2026-12-20 09:00"."""
    return f"{(datetime.now(CHINA) + timedelta(days=days)).date()} {at}"
