"""The two formats: CSV produced chunk by chunk, and XLSX written row by row to a temporary file.

CSV is UTF-8 with a byte-order mark (so that Excel opens it with the Chinese intact), quoted as
RFC 4180 says (the csv module's ``excel`` dialect: CRLF, quotes only where needed, doubled inside).
XLSX is an openpyxl write-only workbook: each partition is appended on a worker thread (the rows go
to the sheet's own temporary XML file at once), and the zip is written at the end, to a temporary
file the route streams back and deletes. Neither ever holds more than one partition of rows.

Every cell goes through :mod:`shared.spreadsheets`: text that starts like a formula (``= + - @``, tab,
CR) stays text in both formats, since an activity's name is data, never something to evaluate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from shared.spreadsheets import csv_text, xlsx_row, xlsx_value

from ..service.ports import ExportRows
from .filters import ExportFilter
from .model import ExportTable

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
_SHEET_NAME_FORBIDS = re.compile(r"[\\/?*\[\]:]")


async def csv_chunks(source: ExportRows, table: ExportTable, wanted: ExportFilter) -> AsyncGenerator[bytes, None]:
    """The CSV file a partition of rows at a time, the first chunk starting with the BOM and header row."""
    header = BOM + csv_text([list(table.headers)])
    counted = 0
    async with contextlib.aclosing(source.partitions(table.name, wanted)) as parts:
        async for partition in parts:
            rows = table.values(partition, counted)
            counted += len(rows)
            yield (header + csv_text(rows)).encode("utf-8")
            header = ""
    if header:
        yield header.encode("utf-8")


class Book:
    """A one-sheet write-only workbook: title row, the table's preamble, bold frozen headers, rows."""

    def __init__(self, table: ExportTable, title: str) -> None:
        self.table = table
        self.rows = 0
        self._workbook = Workbook(write_only=True)
        sheet: Any = self._workbook.create_sheet(_SHEET_NAME_FORBIDS.sub("-", title.split("（")[0])[:31])
        for position, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = column.width
        sheet.freeze_panes = f"A{len(table.preamble) + 3}"
        sheet.append([xlsx_value(sheet, title, _TITLE)])
        for line in table.preamble:
            sheet.append([xlsx_value(sheet, line)])
        sheet.append(xlsx_row(sheet, table.headers, _BOLD, _CENTRED))
        self._sheet = sheet

    def add(self, partition: Any) -> None:
        """Append a partition of rows; call from one thread at a time."""
        for row in self.table.values(partition, self.rows):
            self._sheet.append(xlsx_row(self._sheet, row))
        self.rows += len(partition)

    def save(self) -> Path:
        """Write the workbook to a new temporary file and return its path (the caller deletes it)."""
        descriptor, name = tempfile.mkstemp(prefix=f"kepuri-export-{self.table.name}-", suffix=".xlsx")
        os.close(descriptor)
        path = Path(name)
        try:
            self._workbook.save(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def discard(self) -> None:
        """Remove the sheet's temporary XML of a workbook that will not be saved."""
        writer = getattr(self._sheet, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):  # a partition may still be being appended on its thread
                writer.close()
                writer.cleanup()


async def xlsx_file(source: ExportRows, table: ExportTable, wanted: ExportFilter, title: str) -> Path:
    """Write the table to a temporary .xlsx, off the event loop, and return its path."""
    book = await asyncio.to_thread(Book, table, title)
    try:
        async with contextlib.aclosing(source.partitions(table.name, wanted)) as parts:
            async for partition in parts:
                await asyncio.to_thread(book.add, partition)
        return await asyncio.to_thread(book.save)
    except BaseException:
        book.discard()
        raise
