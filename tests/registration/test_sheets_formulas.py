"""Spreadsheet formula injection (issue 17): names that start like a formula (``= + - @``, tab, CR) come
out of the 附件1 export and the import report as the text that was stored or uploaded, never a formula."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.factories import activity_body
from tests.fixtures.spreadsheets import HOSTILE, read_back, xlsx_values

from .conftest import Service
from .test_sheets import HEADER, good_row, upload

EXPORT = "/api/v1/activities/export.xlsx?campaign_id=2026"
NO_SEPARATORS = str.maketrans("", "", ",/")


async def hostile_activities(service: Service) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """A unit named like a formula, with one activity per hostile name (its organizer, contact and
    science worker named alike); the activities as registration stored them."""
    await service.campaign()
    unit = await service.organizer(name=HOSTILE[0])
    stored = []
    for name in HOSTILE:
        body = activity_body(
            name=name,
            organizer=name,
            contact_name=name[:50],
            description=name,
            co_organizers=[name],
            # (a worker's parts may not hold the list's separators, formulas or not)
            science_workers=[
                {"name": name.translate(NO_SEPARATORS)[:50], "phone": "13900001111", "organisation": name[:9]}
            ],
        )
        posted = await service.client.post("/api/v1/activities", json=body, headers=unit)
        assert posted.status_code == 201, posted.text
        stored.append(posted.json())
    return unit, stored


async def test_the_export_writes_formula_like_names_as_text(service: Service) -> None:
    unit, stored = await hostile_activities(service)
    admin = await service.admin()
    for who, key_only in ((unit, False), (admin, False), (admin, True)):
        answer = await service.client.get(f"{EXPORT}&key_only={str(key_only).lower()}", headers=who)
        assert answer.status_code == 200, answer.text
        values = xlsx_values(answer.content)
        for activity in stored:
            assert read_back(activity["name"]) in values and read_back(activity["organizer"]) in values
        # the contact as typed, in clear for the unit and for staff (still text)
        contacts = {read_back(a["contact_name"]) for a in stored}
        assert contacts <= set(values), (contacts, values)
    exported = (await service.client.get(EXPORT, headers=unit)).content
    again = (await upload(service, exported, unit)).json()  # the unit's own file imports back as it stands
    assert again["counts"] == {"rows": len(HOSTILE), "registered": 0, "already_registered": len(HOSTILE), "refused": 0}


def text_workbook(rows: list[dict[str, Any]], above: list[list[Any]]) -> bytes:
    """An upload whose formula-like cells are typed as text (as Excel stores '=... typed by a person)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in [*above, list(HEADER)]:
        sheet.append(line)
    for row in rows:
        sheet.append([row.get(h) for h in HEADER])
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_import_report_echoes_text_cells_as_text(service: Service) -> None:
    await service.campaign()
    unit = await service.organizer()
    above = [['=HYPERLINK("http://x.example","单位名称")'], ["@备注：请勿修改表头"]]
    rows = [good_row(n, 项目名称=name, 备注=name, 负责人=name[:50]) for n, name in enumerate(HOSTILE, start=1)]
    rows.append(good_row(len(rows) + 1, 项目名称="=1+1", 行政区划代码="=619999"))  # refused: 行政区划代码
    uploaded = text_workbook(rows, above)
    assert load_workbook(io.BytesIO(uploaded)).active["A1"].data_type == "s"  # the upload holds text, not formulas
    answer = await upload(service, uploaded, unit, url="/api/v1/activities/import?campaign_id=2026&format=xlsx")
    assert answer.status_code == 200, answer.text
    values = xlsx_values(answer.content)
    sent = {v for line in above for v in line} | {v for r in rows for v in r.values() if isinstance(v, str)}
    sent = {read_back(v) for v in sent}
    assert sent <= set(values)  # every uploaded text comes back as the same text
    report = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    results = [r[-1] for r in report.iter_rows(min_row=len(above) + 2, values_only=True)]
    assert [r.startswith("成功") for r in results] == [True] * len(HOSTILE) + [False]
