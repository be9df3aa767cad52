"""Small helpers for the write-only (streamed) XLSX workbooks several services export."""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet


def styled_cell(
    sheet: WriteOnlyWorksheet, value: object, font: Font | None = None, align: Alignment | None = None
) -> object:
    """A cell for a write-only sheet's row, with a font and an alignment when given."""
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    return cell
