"""Bulk import of activities from an 附件1 sheet: each row registered on its own like a POST, bad rows
reported by their Chinese column and never written, re-uploads idempotent, whole-file refusals."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from services.registration.adapters.tables import metadata
from services.registration.domain.campaign import CHINA, Window
from services.registration.sheets.cells import CellError
from services.registration.sheets.gate import ImportGate
from services.registration.sheets.importer import SheetImport
from services.registration.sheets.times import format_range, parse_range
from shared.events.topics import ACTIVITIES, CONTACTS

from .conftest import Service
from .test_activities import outbox, rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT = "/api/v1/activities/import?campaign_id=2026"
HEADER = (
    "序号", "项目名称", "举办单位", "活动时间", "活动地点", "负责人", "联系电话", "备注",
    "行政区划代码", "活动形式", "活动网址", "活动类别", "联合行动", "活动主题", "面向人群",
    "重点活动", "预计参与人数", "经度", "纬度", "参与科技工作者",
)  # fmt: skip


def day(offset: int = 21) -> str:
    """A day inside the test campaign's week, as organizers type it."""
    return (datetime.now(CHINA).date() + timedelta(days=offset)).isoformat()


def good_row(number: int = 1, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "序号": number,
        "项目名称": f"食品安全进社区科普讲座（第{number}场）",
        "举办单位": "渭南市临渭区实验中学",
        "活动时间": f"{day()} 09:00-11:00",
        "活动地点": "渭南市临渭区朝阳大街 1 号社区活动中心",
        "负责人": "王建国",
        "联系电话": 13812345678,  # typed as a number, as Excel keeps it
        "备注": "讲解食品标签识读与常见食品安全误区。",
        "行政区划代码": 610502,
        "活动形式": "线上线下",
        "活动网址": "https://live.example.cn/kepuri/2026",
        "活动类别": "地方活动",
        "联合行动": "学会联合行动",
        "活动主题": "食品安全、卫生健康",
        "面向人群": "公众；老年人",
        "重点活动": "是",
        "预计参与人数": 200,
        "经度": 109.5099,
        "纬度": 34.4998,
        "参与科技工作者": "李明华/13900001111/西北农林科技大学；赵晓燕/0913-2123456",
    }
    row.update(changes)
    return row


def workbook(
    rows_: list[dict[str, Any] | None], *, header: tuple[str, ...] = HEADER, above: list[list[Any]] | None = None
) -> bytes:
    """An .xlsx with optional title rows, the header row, and the rows (None: an empty row)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in above or []:
        sheet.append(line)
    sheet.append(list(header))
    for row in rows_:
        sheet.append([None if row is None else row.get(h) for h in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezipped(data: bytes, *, padding: int = 0, sheet: bytes | None = None) -> bytes:
    """``data`` (an .xlsx) with its first sheet's XML replaced, or a member of ``padding`` zero bytes added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            replaced = sheet if sheet is not None and member.filename == "xl/worksheets/sheet1.xml" else None
            target.writestr(member, replaced or source.read(member))
        if padding:
            with target.open("xl/media/padding.bin", "w") as pad:
                for _ in range(padding >> 20):
                    pad.write(bytes(1 << 20))
    return out.getvalue()


async def upload(
    service: Service, data: bytes, headers: dict[str, str], url: str = IMPORT, **more: str
) -> httpx.Response:
    return await service.client.post(url, content=data, headers={**headers, "Content-Type": XLSX, **more})


async def recorded_identities(service: Service) -> int:
    t = metadata.tables["idempotency_keys"]
    async with service.container.backbone.engine.connect() as connection:
        return len((await connection.execute(select(t.c.key).where(t.c.scope.like("POST /activities/import%")))).all())


BAD_ROWS: list[tuple[dict[str, Any], str, str]] = [
    ({"行政区划代码": "619999"}, "行政区划代码", "region_code"),
    ({"活动时间": f"{day()} 11:00-09:00"}, "活动时间", "ends_at"),
    ({"联系电话": "12345678901"}, "联系电话", "contact_phone"),
    ({"活动形式": "线上", "活动网址": None}, "活动网址", "online_url"),
    ({"活动类别": "外星活动"}, "活动类别", "category"),
    ({"活动时间": "下周三上午"}, "活动时间", "starts_at"),
    ({"项目名称": "科" * 101}, "项目名称", "name"),
    ({"参与科技工作者": "李明华/139000011"}, "参与科技工作者", "science_workers.0.phone"),
    ({"活动形式": "线下为主"}, "活动形式", "format"),
    ({"预计参与人数": "两百"}, "预计参与人数", "expected_participants"),
]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_good_rows_are_registered_and_bad_rows_reported_by_column_without_writing(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    before = await rows(service, "outbox")
    header = (*HEADER, "开始时间", "结束时间", "审核人")
    starts = datetime.combine(datetime.now(CHINA).date() + timedelta(days=22), datetime.min.time()).replace(hour=14)
    good = [
        good_row(1),
        good_row(2, 活动时间=f"{day()} 14:00 至 {day(22)} 11:30", 参与科技工作者=None),
        good_row(3, 活动时间=None, 开始时间=starts, 结束时间=starts + timedelta(hours=2)),  # real Excel date cells
    ]
    bad = [good_row(10 + n, **changes) for n, (changes, _, _) in enumerate(BAD_ROWS)]
    sheet = workbook([good[0], None, *bad, good[1], good[2]], header=header)

    answer = await upload(service, sheet, me)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["counts"] == {"rows": 13, "registered": 3, "already_registered": 0, "refused": 10}
    assert report["header_row"] == 1 and report["ignored_columns"] == ["审核人"]
    by_row = {r["row"]: r for r in report["rows"]}
    assert 3 not in by_row  # the empty row is skipped, the sheet's numbering kept
    registered = [by_row[n] for n in (2, 14, 15)]
    assert all(r["status"] == "registered" and r["activity_id"] for r in registered)
    for number, (_, column, field) in enumerate(BAD_ROWS, start=4):
        refused = by_row[number]
        assert refused["status"] == "refused", refused
        assert (column, field) in {(e["column"], e["field"]) for e in refused["errors"]}, refused

    assert await rows(service, "activities") == 3
    events = await outbox(service, ACTIVITIES.name)
    assert [t for t, _ in events] == ["activity-registered"] * 3
    assert len(await outbox(service, CONTACTS.name)) == 2  # the two rows that list science workers
    assert await rows(service, "outbox") == before + 5
    assert await recorded_identities(service) == 3
    first = await service.client.get(f"/api/v1/activities/{registered[0]['activity_id']}", headers=me)
    assert first.json()["contact_phone"] == "13812345678" and first.json()["themes"] == ["食品安全", "卫生健康"]
    assert first.json()["format"] == "both" and first.json()["key_activity"] is True
    third = (await service.client.get(f"/api/v1/activities/{registered[2]['activity_id']}", headers=me)).json()
    assert datetime.fromisoformat(third["starts_at"]) == starts.replace(tzinfo=CHINA)

    again = await upload(service, sheet, me)
    assert again.status_code == 200
    assert again.json()["counts"] == {"rows": 13, "registered": 0, "already_registered": 3, "refused": 10}
    repeated = {r["row"]: r for r in again.json()["rows"]}
    assert [repeated[n]["activity_id"] for n in (2, 14, 15)] == [r["activity_id"] for r in registered]
    assert await rows(service, "activities") == 3 and await rows(service, "outbox") == before + 5


async def test_a_row_repeated_in_the_sheet_or_typed_differently_is_registered_once(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    same = good_row(1, 序号=2, 活动时间=f"{day()} 09:00 至 {day()} 11:00", 联系电话="13812345678")
    answer = (await upload(service, workbook([good_row(1), same]), me)).json()
    assert [r["status"] for r in answer["rows"]] == ["registered", "already_registered"]
    assert answer["rows"][0]["activity_id"] == answer["rows"][1]["activity_id"]
    assert await rows(service, "activities") == 1
    other_unit = await service.organizer(name="渭南市华州区科协")
    theirs = (await upload(service, workbook([good_row(1)]), other_unit)).json()
    assert theirs["counts"]["registered"] == 1  # the identity is the unit's own


async def test_title_rows_above_the_header_and_loose_headers_are_understood(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    header = (
        " 序 号",
        "项目\n名称",
        "*举办单位",
        "活动时间（开始-结束）",
        "活动地点",
        "负责人",
        "联系电话",
        "备注",
        "行政区划代码",
    )
    plain = {h: v for h, v in zip(header, [good_row(1)[k] for k in HEADER[:9]], strict=True)}
    above = [["渭南市2022年全国科普日活动项目汇总表"], ["单位名称：（盖章）"], []]
    answer = await upload(service, workbook([plain], header=header, above=above), me)
    assert answer.status_code == 200, answer.text
    assert answer.json()["header_row"] == 4 and answer.json()["ignored_columns"] == []
    assert answer.json()["rows"] == [
        {"row": 5, "status": "registered", "activity_id": answer.json()["rows"][0]["activity_id"]}
    ]


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        (b"name,organizer\n", 422, "xlsx"),
        (b"PK\x03\x04 broken zip", 422, "xlsx"),
        (b"x" * (5 * 1024 * 1024 + 1), 413, "MiB"),
        (lambda: workbook([good_row(n) for n in range(1, 2002)]), 422, "2000"),
        (lambda: workbook([good_row(1)], header=HEADER[:8]), 422, "行政区划代码"),  # the notice's 附件1 alone
        (lambda: workbook([good_row(1)], header=("序号", "名称", "单位", "时间")), 422, "表头"),
        (b"", 422, "xlsx"),
        (lambda: rezipped(workbook([good_row(1)]), padding=101 << 20), 422, "MiB"),
        (lambda: rezipped(workbook([good_row(1)]), sheet=b"<worksheet><sheetData><row><c"), 422, "xlsx"),
    ],
    ids=[
        "csv",
        "broken-zip",
        "too-big",
        "too-many-rows",
        "missing-region-column",
        "no-header",
        "empty",
        "zip-bomb",
        "broken-sheet",
    ],
)
async def test_an_unreadable_upload_is_a_problem_and_writes_nothing(
    service: Service, data: bytes | Callable[[], bytes], status: int, says: str
) -> None:
    await service.campaign()
    me = await service.organizer()
    before = await rows(service, "outbox")
    refused = await upload(service, data if isinstance(data, bytes) else data(), me)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert says in refused.json()["detail"]
    assert await rows(service, "activities") == 0 and await rows(service, "outbox") == before
    assert await recorded_identities(service) == 0


async def test_only_organizers_import_into_an_open_campaign_and_multipart_is_refused(service: Service) -> None:
    today = datetime.now(UTC).date()
    await service.campaign()
    await service.campaign("2019", registration=Window(today - timedelta(days=40), today - timedelta(days=10)))
    me = await service.organizer()
    sheet = workbook([good_row(1)])
    assert (await upload(service, sheet, {})).status_code == 401
    assert (await upload(service, sheet, await service.admin())).status_code == 403
    closed = await upload(service, sheet, me, url="/api/v1/activities/import?campaign_id=2019")
    assert closed.status_code == 422 and closed.json()["errors"][0]["field"] == "campaign_id"
    unknown = await upload(service, sheet, me, url="/api/v1/activities/import?campaign_id=1999")
    assert unknown.status_code == 422
    form = await service.client.post(IMPORT, files={"file": ("a.xlsx", sheet, XLSX)}, headers=me)
    assert form.status_code == 415 and form.headers["content-type"] == "application/problem+json"
    assert await rows(service, "activities") == 0


async def test_the_report_as_a_sheet_marks_each_row_and_uploads_again(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    above = [["2026年全国科普日重点活动安排表"]]
    sheet = workbook([good_row(1), good_row(2, 联系电话="123")], above=above)
    answer = await upload(service, sheet, me, url=f"{IMPORT}&format=xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    report = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    lines = [list(r) for r in report.iter_rows(values_only=True)]
    assert lines[0][0] == "2026年全国科普日重点活动安排表"
    assert lines[1] == [*HEADER, "导入结果"]
    assert lines[2][:2] == [1, good_row(1)["项目名称"]] and lines[2][-1].startswith("成功")
    assert "联系电话" in lines[3][-1] and lines[3][6] == "123"
    assert report.freeze_panes == "A3" and report.cell(2, 1).font.b

    fixed = io.BytesIO()
    book = load_workbook(io.BytesIO(answer.content))
    book.worksheets[0].cell(4, 7).value = "13812345679"
    book.save(fixed)
    second = await upload(service, fixed.getvalue(), me, Accept=XLSX)
    assert second.headers["content-type"] == XLSX
    results = [r[-1] for r in load_workbook(io.BytesIO(second.content)).worksheets[0].iter_rows(values_only=True)]
    assert results[1] == "导入结果" and results[2].startswith("已登记")
    assert results[3].startswith("成功")
    assert await rows(service, "activities") == 2


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_two_uploads_of_one_sheet_racing_register_each_row_once(service: Service) -> None:
    """One process admits one import per unit (test_sheets_hostile); two processes on one database,
    each with its own gate, still register each row once."""
    await service.campaign()
    me = await service.organizer()
    principal = await service.container.verifier.verify(me["Authorization"].removeprefix("Bearer "))
    sheet = workbook([good_row(n) for n in range(1, 41)])
    c = service.container
    processes = [SheetImport(c.backbone, c.activities, ImportGate()) for _ in range(2)]
    first, second = await asyncio.gather(*(p.run(principal, "2026", sheet) for p in processes))
    counts = [first.counts(), second.counts()]
    assert sum(c["registered"] for c in counts) == 40 and sum(c["already_registered"] for c in counts) == 40
    ids = {o.activity_id for report in (first, second) for o in report.outcomes}
    assert len(ids) == 40 and await rows(service, "activities") == 40


@pytest.mark.parametrize(
    ("typed", "starts", "ends"),
    [
        ("2026-09-16 09:00-11:00", "2026-09-16T09:00+08:00", "2026-09-16T11:00+08:00"),
        ("2026-09-16 09:00 至 2026-09-16 11:00", "2026-09-16T09:00+08:00", "2026-09-16T11:00+08:00"),
        ("2026年9月16日 9:00—11:30", "2026-09-16T09:00+08:00", "2026-09-16T11:30+08:00"),
        ("2026/9/16 9:00~17:00", "2026-09-16T09:00+08:00", "2026-09-16T17:00+08:00"),
        ("2026-09-16 14:00 到 2026-09-17 11:00", "2026-09-16T14:00+08:00", "2026-09-17T11:00+08:00"),
        ("2026-09-15 至 2026-09-21", "2026-09-15T00:00+08:00", "2026-09-22T00:00+08:00"),
        ("2026-09-16", "2026-09-16T00:00+08:00", "2026-09-17T00:00+08:00"),
        ("2026-09-16 19:00-24:00", "2026-09-16T19:00+08:00", "2026-09-17T00:00+08:00"),
        ("2026-09-16T01:00Z - 2026-09-16T03:00Z", "2026-09-16T09:00+08:00", "2026-09-16T11:00+08:00"),
    ],
)
def test_the_time_forms_organizers_type_are_read_in_china_time(typed: str, starts: str, ends: str) -> None:
    read = parse_range(typed)
    assert read == (datetime.fromisoformat(starts), datetime.fromisoformat(ends))
    assert parse_range(format_range(*read)) == read


@pytest.mark.parametrize("typed", ["下周三", "2026-09-16 09:00", "2026-02-30 09:00-10:00", "2026-09-16 25:00-26:00"])
def test_unreadable_times_say_what_is_expected(typed: str) -> None:
    with pytest.raises(CellError, match=r"日期|时间"):
        parse_range(typed)
