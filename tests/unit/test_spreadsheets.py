"""The shared cell writer (shared.spreadsheets): formula-like text stays text in XLSX and CSV, numbers,
dates and booleans keep their types, error codes and characters XML cannot hold never break a file."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from shared.spreadsheets import FORMULA_STARTS, csv_text, csv_value, formula_like, xlsx_row, xlsx_value
from tests.fixtures.spreadsheets import HOSTILE, csv_values, read_back, xlsx_values

TYPED: list[object] = [-3, -2.5, 0, 12, date(2026, 9, 15), datetime(2026, 9, 15, 9, 30), True, None]


def written(rows: list[list[object]], font: Font | None = None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("表")
    for row in rows:
        sheet.append(xlsx_row(sheet, row, font))  # type: ignore[arg-type]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_formula_starts_are_owasps() -> None:
    assert set("=+-@\t\r") == FORMULA_STARTS
    assert all(formula_like(v) for v in HOSTILE)
    assert not any(formula_like(v) for v in [*TYPED, "科普", "", " =1", "0913-2123456", "1+1"])


def test_formula_like_text_is_a_quote_prefixed_text_cell_shown_unchanged() -> None:
    content = written([list(HOSTILE), ["=", "=1+1", "#N/A", "#DIV/0!", "科普讲座", "-"]])
    values = xlsx_values(content)  # no formula, no error cell, every formula-like text quote-prefixed
    assert values == [*(read_back(v) for v in HOSTILE), "=", "=1+1", "#N/A", "#DIV/0!", "科普讲座", "-"]
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row)
    assert sheet["C2"].quotePrefix and not sheet["E2"].quotePrefix  # only what needs it


def test_numbers_dates_and_booleans_keep_their_types() -> None:
    sheet = load_workbook(io.BytesIO(written([TYPED]))).worksheets[0]
    cells = next(sheet.iter_rows())
    assert [c.value for c in cells[:4]] == [-3, -2.5, 0, 12] and {c.data_type for c in cells[:4]} == {"n"}
    assert cells[4].is_date and cells[4].value == datetime(2026, 9, 15)
    assert cells[5].is_date and cells[5].value == datetime(2026, 9, 15, 9, 30)
    assert (cells[6].data_type, cells[6].value) == ("b", True)
    assert [xlsx_value(sheet, v) for v in ("科普", -3)] == ["科普", -3]  # plain values need no cell object


def test_a_style_is_kept_on_a_formula_like_cell() -> None:
    sheet = load_workbook(io.BytesIO(written([["=1+1", "表头"]], Font(bold=True)))).worksheets[0]
    assert sheet["A1"].font.b and sheet["A1"].quotePrefix and sheet["A1"].data_type == "s"
    assert sheet["B1"].font.b and not sheet["B1"].quotePrefix


def test_characters_xml_cannot_hold_are_left_out_instead_of_failing_the_export() -> None:
    assert xlsx_values(written([["科普\x01讲座\x0b", "=\x1fHYPERLINK()"]])) == ["科普讲座", "=HYPERLINK()"]


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_puts_a_quote_before_formula_like_text(value: str) -> None:
    assert csv_value(value) == "'" + value
    text = csv_text([[value, -3, 2.5, '科普, "讲座"']])
    assert text.endswith("\r\n")
    assert next(csv.reader(io.StringIO(text, newline=""))) == ["'" + value, "-3", "2.5", '科普, "讲座"']
    assert csv_values(text.encode())[0] == value  # what a person reads after the quote


def test_csv_leaves_numbers_and_plain_text_alone() -> None:
    assert [csv_value(v) for v in TYPED] == TYPED
    assert csv_value("0913-2123456") == "0913-2123456"
