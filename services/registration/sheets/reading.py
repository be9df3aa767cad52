"""Reading an uploaded .xlsx: find the 附件1 header row (title rows may sit above it), map the columns,
and keep every non-empty data row with its sheet row number. Pure and blocking: run it in a thread."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from .cells import is_blank
from .inspection import NOT_XLSX, SheetLimits, SheetRefused, inspect_workbook
from .layout import RESULT, SERIAL, Column, column_named, missing_headers

# The header is looked for in the first rows only (a title, a 单位名称 line, a blank line…).
HEADER_SEARCH_ROWS = 20
# A header row names at least this many known columns; fewer is a title or a note.
HEADER_MIN_COLUMNS = 3
# Templates often carry borders far below the data: this many blank rows in a row end the data.
BLANK_RUN_ENDS_DATA = 1000
MAX_COLUMNS = 200

__all__ = ["Sheet", "SheetLimits", "SheetRefused", "SheetRow", "read_sheet"]


@dataclass(frozen=True)
class SheetRow:
    """A data row as uploaded: its row number in the sheet and its cells."""

    number: int
    values: tuple[object, ...]

    def cell(self, position: int) -> object:
        return self.values[position] if position < len(self.values) else None


@dataclass
class Sheet:
    """An uploaded activity sheet: where its header is, which columns it has, its data rows."""

    title: str
    header_row: int
    header: tuple[object, ...]
    columns: dict[int, Column]
    ignored: list[str]
    above: list[tuple[object, ...]] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)

    def position_of(self, column: Column) -> int | None:
        return next((p for p, c in self.columns.items() if c is column), None)


def read_sheet(data: bytes, max_rows: int, limits: SheetLimits | None = None) -> Sheet:
    """The first worksheet with a 附件1 header row, and its non-empty rows (at most ``max_rows``).

    The workbook is inspected within ``limits`` first (:func:`.inspection.inspect_workbook`), so
    openpyxl only ever reads a file whose size, strings and rows are bounded.
    """
    inspect_workbook(data, limits or SheetLimits())
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # an uploaded file may be broken anywhere inside: its sender's problem, not a 500
        raise SheetRefused(NOT_XLSX) from exc
    try:
        return _first_activity_sheet(workbook.worksheets, max_rows)
    except SheetRefused:
        raise
    except Exception as exc:  # as above, for what only reading the rows finds
        raise SheetRefused(NOT_XLSX) from exc
    finally:
        workbook.close()


def _first_activity_sheet(worksheets: list[Any], max_rows: int) -> Sheet:
    for worksheet in worksheets:
        worksheet.reset_dimensions()  # some writers declare a wrong size; read what is there
        rows = worksheet.iter_rows(values_only=True)
        above: list[tuple[object, ...]] = []
        for number, values in enumerate(rows, start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            values = tuple(values[:MAX_COLUMNS])
            if sum(column_named(v) is not None for v in values) >= HEADER_MIN_COLUMNS:
                sheet = _sheet(worksheet.title, number, values, above)
                _read_rows(sheet, rows, max_rows)
                return sheet
            above.append(values)
    raise SheetRefused(
        "未找到表头行：前 20 行中应有「序号、项目名称、举办单位、活动时间、活动地点、负责人、联系电话、备注」等列名 "
        "(no header row found)"
    )


def _sheet(title: str, number: int, header: tuple[object, ...], above: list[tuple[object, ...]]) -> Sheet:
    columns: dict[int, Column] = {}
    ignored: list[str] = []
    for position, value in enumerate(header):
        column = column_named(value)
        if column is None or column in columns.values():
            if not is_blank(value):
                ignored.append(str(value).strip())
            continue
        columns[position] = column
    missing = missing_headers(set(columns.values()))
    if missing:
        raise SheetRefused(f"表头缺少必填列：{'、'.join(missing)} (missing required columns: {', '.join(missing)})")
    return Sheet(title, number, header, columns, ignored, above)


def _read_rows(sheet: Sheet, rows: Iterator[tuple[object, ...]], max_rows: int) -> None:
    content = [p for p, c in sheet.columns.items() if c not in (SERIAL, RESULT)]
    blank_run = 0
    for number, values in enumerate(rows, start=sheet.header_row + 1):
        row = SheetRow(number, tuple(values[:MAX_COLUMNS]))
        if all(is_blank(row.cell(p)) for p in content):
            blank_run += 1
            if blank_run >= BLANK_RUN_ENDS_DATA:
                return
            continue
        blank_run = 0
        sheet.rows.append(row)
        if len(sheet.rows) > max_rows:
            raise SheetRefused(
                f"一次最多导入 {max_rows} 行活动，请分批上传 (at most {max_rows} rows per upload)",
                limit="max_rows",
                value=max_rows,
            )
