"""Export of activities in the 附件1 layout: an organizer's own in clear, an admin's with the contact persons
in clear (audited, see test_sheets_contacts) and the science workers masked, and a unit's
export imports back (already registered as it stands; registered anew, field for field, elsewhere)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.factories import activity_body

from .conftest import Service
from .test_sheets import HEADER, XLSX, good_row, upload, workbook

EXPORT = "/api/v1/activities/export.xlsx?campaign_id=2026"
LAYOUT = (
    *HEADER[:11],
    "活动类别",
    "联合行动",
    "品牌活动",
    *HEADER[13:19],
    "联合举办单位",
    "参与科技工作者",
    "活动编号",
)


def at(row: list[Any], header: str) -> Any:
    return row[LAYOUT.index(header)]


def lines(content: bytes) -> list[list[Any]]:
    return [list(r) for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]


async def two_units(service: Service) -> tuple[dict[str, str], dict[str, str]]:
    """Two units of different cities, each with activities: one key activity by POST and two by sheet."""
    await service.campaign()
    linwei = await service.organizer()
    posted = await service.client.post(
        "/api/v1/activities", json=activity_body(name="食品安全进校园", starts_in=timedelta(days=20)), headers=linwei
    )
    assert posted.status_code == 201, posted.text
    sheet = workbook([good_row(1, 重点活动="否"), good_row(2, 活动形式="线下", 活动网址=None, 经度=None, 纬度=None)])
    assert (await upload(service, sheet, linwei)).json()["counts"]["registered"] == 2
    xian = await service.organizer(name="西安市第一中学", region_code="610102")
    theirs = workbook([good_row(1, 项目名称="西安科普开放日", 行政区划代码="610102", 联系电话="13912345678")])
    assert (await upload(service, theirs, xian)).json()["counts"]["registered"] == 1
    return linwei, xian


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_an_organizer_exports_its_own_activities_in_the_appendix_1_layout(service: Service) -> None:
    linwei, _ = await two_units(service)
    answer = await service.client.get(EXPORT, headers=linwei)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    disposition = answer.headers["content-disposition"]
    assert (
        disposition.startswith("attachment;")
        and quote("活动安排表.xlsx") in disposition
        and "filename*=UTF-8''" in disposition
    )

    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.worksheets[0]
    table = lines(answer.content)
    assert table[0][0] == f"{book.worksheets[0].title}" and table[0][0].endswith("全国科普日活动安排表")
    assert tuple(table[1]) == LAYOUT and tuple(table[1][:8]) == HEADER[:8]  # 附件1, then what registration needs
    assert sheet.freeze_panes == "A3" and sheet.cell(2, 1).font.b and sheet.column_dimensions["B"].width == 32
    body = table[2:]
    assert [r[0] for r in body] == [1, 2, 3]  # 序号
    assert {r[1] for r in body} == {"食品安全进校园", good_row(1)["项目名称"], good_row(2)["项目名称"]}
    assert "西安科普开放日" not in {r[1] for r in body}  # only the unit's own
    assert {at(r, "联系电话") for r in body} == {"13812345678"} and {at(r, "负责人") for r in body} == {
        "王建国"
    }  # its contacts in clear
    posted = next(r for r in body if r[1] == "食品安全进校园")
    assert at(posted, "参与科技工作者") == "李明华/13900001111/西北农林科技大学；赵晓燕/0913-2123456/渭南市疾控中心"
    assert at(posted, "活动形式") == "线上线下" and at(posted, "活动主题") == "食品安全、卫生健康"
    assert at(posted, "面向人群") == "公众、老年人" and at(posted, "重点活动") == "是"

    key = lines((await service.client.get(f"{EXPORT}&key_only=true", headers=linwei)).content)
    assert key[0][0].endswith("重点活动安排表") and {r[1] for r in key[2:]} == {
        "食品安全进校园",
        good_row(2)["项目名称"],
    }


async def test_an_admin_exports_every_unit_with_workers_masked_and_filters_by_region(service: Service) -> None:
    await two_units(service)
    admin = await service.admin()
    table = lines((await service.client.get(EXPORT, headers=admin)).content)
    body = table[2:]
    assert len(body) == 4 and "西安科普开放日" in {r[1] for r in body}
    assert {at(r, "联系电话") for r in body} == {"13812345678", "13912345678"}  # 附件1 collects them
    assert {at(r, "负责人") for r in body} == {"王建国"}
    assert all("13900001111" not in (at(r, "参与科技工作者") or "") for r in body)
    assert any((at(r, "参与科技工作者") or "").startswith("李**/139****1111/") for r in body)
    weinan = lines((await service.client.get(f"{EXPORT}&region=6105", headers=admin)).content)[2:]
    assert len(weinan) == 3 and "西安科普开放日" not in {r[1] for r in weinan}
    assert (await service.client.get(f"{EXPORT}&region=61x", headers=admin)).status_code == 422
    reviewer = await service.staff("reviewer", "city", "6105")
    assert (await service.client.get(f"{EXPORT}&region=6101", headers=reviewer)).status_code == 403
    missing = await service.client.get("/api/v1/activities/export.xlsx?campaign_id=1999", headers=admin)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_a_units_export_imports_back(service: Service) -> None:
    linwei, _ = await two_units(service)
    exported = (await service.client.get(EXPORT, headers=linwei)).content
    again = (await upload(service, exported, linwei)).json()
    assert again["header_row"] == 2 and again["ignored_columns"] == []
    assert again["counts"] == {"rows": 3, "registered": 0, "already_registered": 3, "refused": 0}

    # The same rows without their 活动编号, into another campaign: registered anew, field for field.
    await service.campaign("2027")
    book = load_workbook(io.BytesIO(exported))
    for row in book.worksheets[0].iter_rows(min_row=3):
        row[LAYOUT.index("活动编号")].value = None
    copied = io.BytesIO()
    book.save(copied)
    moved = await upload(service, copied.getvalue(), linwei, url="/api/v1/activities/import?campaign_id=2027")
    assert moved.json()["counts"] == {"rows": 3, "registered": 3, "already_registered": 0, "refused": 0}, moved.text
    for outcome, original in zip(moved.json()["rows"], lines(exported)[2:], strict=True):
        copy = (await service.client.get(f"/api/v1/activities/{outcome['activity_id']}", headers=linwei)).json()
        first = (await service.client.get(f"/api/v1/activities/{at(original, '活动编号')}", headers=linwei)).json()
        assert comparable(copy) == comparable(first)


def comparable(activity: dict[str, Any]) -> dict[str, Any]:
    """What the organizer stated, instants compared as instants (the export writes China time)."""
    ignored = {"id", "campaign_id", "version", "info", "missing_info", "completeness", "review_status"}
    stated = {k: v for k, v in activity.items() if k not in ignored}
    for name in ("starts_at", "ends_at"):
        stated[name] = datetime.fromisoformat(stated[name])
    return stated
