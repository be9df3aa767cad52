"""Writing 附件1 workbooks with openpyxl's write-only mode (rows go to a temporary file as they come,
so memory stays flat however many activities a sheet holds): the export, and the import's report.
Every cell goes through :mod:`shared.spreadsheets`, so no name or uploaded text becomes a formula."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from shared.spreadsheets import xlsx_row, xlsx_value

from ..domain.activity import Activity
from .importer import ImportReport, RowOutcome
from .layout import CONTACT_NAME, CONTACT_PHONE, EXPORTED, RESULT, SERIAL, Column

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_REFUSED = Font(color="C00000")
_CENTRED = Alignment(horizontal="center", vertical="center")
_SHEET_NAME_FORBIDS = re.compile(r"[\\/?*\[\]:]")


class ActivityBook:
    """The export: a title row, the bold frozen header row, then one row per activity (序号 from 1)."""

    def __init__(self, title: str, *, clear: bool, contacts: bool | None = None) -> None:
        self._clear = clear
        self._contacts = clear if contacts is None else contacts  # 负责人 and 联系电话 in clear
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(_SHEET_NAME_FORBIDS.sub("-", title)[:31])
        self.count = 0
        _widths(self._sheet, [c.width for c in EXPORTED])
        self._sheet.freeze_panes = "A3"
        self._sheet.append([xlsx_value(self._sheet, title, _TITLE)])
        self._sheet.append(xlsx_row(self._sheet, [c.header for c in EXPORTED], _BOLD, _CENTRED))

    def add(self, activities: Iterable[Activity]) -> None:
        """Append activities; call from one thread at a time."""
        for activity in activities:
            self.count += 1
            self._sheet.append(xlsx_row(self._sheet, [self._value(c, activity) for c in EXPORTED]))

    def save(self, target: Path | IO[bytes]) -> None:
        self._workbook.save(target)

    def _value(self, column: Column, activity: Activity) -> object:
        if column is SERIAL:
            return self.count
        assert column.write is not None
        return column.write(activity, self._contacts if column in (CONTACT_NAME, CONTACT_PHONE) else self._clear)


def report_book(report: ImportReport, target: IO[bytes]) -> None:
    """The uploaded rows with a 导入结果 column (成功, or what to fix), to correct and upload again.

    Each cell is echoed as the value it showed (the upload is read with cached values, not formulas),
    through :mod:`shared.spreadsheets`: a text cell typed as ``=…`` comes back as the same text, never
    as a formula, and an uploaded formula comes back as the value Excel last computed for it."""
    sheet = report.sheet
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet((sheet.title or "导入结果")[:31])
    result_at = sheet.position_of(RESULT)
    if result_at is None:
        result_at = len(sheet.header)
    widths = [14] * max(len(sheet.header), result_at + 1)
    for position, column in sheet.columns.items():
        widths[position] = column.width
    widths[result_at] = RESULT.width
    _widths(worksheet, widths)
    worksheet.freeze_panes = f"A{len(sheet.above) + 2}"
    for values in sheet.above:
        worksheet.append(xlsx_row(worksheet, values))
    header = _placed(sheet.header, result_at, RESULT.header)
    worksheet.append(xlsx_row(worksheet, header, _BOLD, _CENTRED))
    for row, outcome in zip(sheet.rows, report.outcomes, strict=True):
        result = xlsx_value(worksheet, _result(outcome), _REFUSED if outcome.status == "refused" else None)
        worksheet.append(xlsx_row(worksheet, _placed(row.values, result_at, result)))
    workbook.save(target)


def _result(outcome: RowOutcome) -> str:
    if outcome.status == "registered":
        return f"成功（活动编号 {outcome.activity_id}）"
    if outcome.status == "already_registered":
        return f"已登记，未重复导入（活动编号 {outcome.activity_id}）"
    return "；".join(f"{e.column or e.field}：{e.message}" for e in outcome.errors)


def _placed(values: tuple[object, ...], at: int, value: object) -> list[object]:
    placed = list(values) + [None] * max(0, at + 1 - len(values))
    placed[at] = value
    return placed


def _widths(sheet: WriteOnlyWorksheet, widths: list[int]) -> None:
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width  # type: ignore[attr-defined]
