"""The one cell writer of every spreadsheet the platform writes, XLSX or CSV.

Names, forms and opinions are data typed by anyone, a self-registered unit included; a spreadsheet must
never evaluate them (OWASP, CSV injection). Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is *formula-like*. In XLSX such text, and text that reads as an error code (``#N/A``),
is written as an explicit text cell with Excel's quote prefix: a person sees exactly the stored value,
and it stays text when the cell is edited. openpyxl alone would make ``=…`` a live formula and
``#N/A`` an error. CSV has no cell types, so formula-like text gets a leading ``'`` there, which Excel
and LibreOffice take as "this is text". Numbers, dates and booleans are written as themselves in both
(a negative number is a number, not text starting with ``-``). Characters XML cannot hold (C0 controls
but tab, LF and CR) are left out of an XLSX cell instead of failing the whole export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TypeGuard

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = frozenset("=+-@\t\r")
_ERROR_CODES = frozenset(ERROR_CODES)


def formula_like(value: object) -> TypeGuard[str]:
    """Whether ``value`` is text a spreadsheet could take for a formula (it starts with ``= + - @``, a
    tab or a carriage return); numbers, dates and other values never are."""
    return isinstance(value, str) and value[:1] in FORMULA_STARTS


def csv_value(value: object) -> object:
    """``value`` as a CSV field: formula-like text behind a ``'`` that keeps it text, anything else as is."""
    return "'" + value if formula_like(value) else value


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text in the ``excel`` dialect (RFC 4180 quoting, CRLF line ends), every field passed
    through :func:`csv_value`; the caller adds a byte-order mark where the file starts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return buffer.getvalue()


def xlsx_value(
    sheet: WriteOnlyWorksheet, value: object, font: Font | None = None, align: Alignment | None = None
) -> object:
    """What to append for ``value`` in a write-only sheet's row: formula-like or error-like text as an
    explicit, quote-prefixed text cell; a cell with the font and alignment when given; else the value."""
    risky = False
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        risky = value[:1] in FORMULA_STARTS or value in _ERROR_CODES
    if not risky and font is None and align is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    if risky:
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    return cell


def xlsx_row(
    sheet: WriteOnlyWorksheet, values: Iterable[object], font: Font | None = None, align: Alignment | None = None
) -> list[object]:
    """A row for a write-only sheet's ``append``, each value passed through :func:`xlsx_value`."""
    return [xlsx_value(sheet, v, font, align) for v in values]
