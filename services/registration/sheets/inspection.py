"""Bounding an uploaded workbook before openpyxl sees it.

openpyxl trusts what it reads: it inflates every part, keeps every shared string in a list and walks
every row of a sheet, so a few hundred KiB of well-compressed XML can cost tens of seconds of CPU and
hundreds of MiB that the allocator never gives back. Here the zip's directory is checked first (entry
count, declared sizes, compression ratio), then every XML part is streamed through expat in small
chunks, counting shared strings, rows and elements and refusing a DTD (entity expansion), and the
inspection stops at the first limit passed. The work is bounded by the limits, not by the file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pyexpat import ExpatError, ParserCreate
from typing import IO, Any

_CHUNK = 64 * 1024
_SEPARATOR = " "  # expat joins namespace and local name with it: "http://…/main si"


@dataclass(frozen=True)
class SheetLimits:
    """How much of a workbook an import reads before refusing it; a real 附件1 sheet of 2,000 rows
    unpacks to about 3 MiB in 10 parts, with some 200,000 XML elements."""

    max_entries: int = 200
    max_unpacked_bytes: int = 32 << 20
    # deflate shrinks sheet XML 5 to 20 times; a part far beyond that is built to inflate (a zip bomb)
    max_ratio: int = 100
    ratio_from_bytes: int = 1 << 20
    max_shared_strings: int = 100_000
    max_sheet_rows: int = 20_000
    max_elements: int = 1_000_000


class SheetRefused(ValueError):
    """The upload cannot be read as an activity sheet; the message says why in Chinese.

    ``status`` is 413 when the workbook is too large and 422 otherwise; ``limit`` names the setting
    that refused it (with ``value``), or is None when the file is simply unreadable.
    """

    def __init__(self, message: str, *, status: int = 422, limit: str | None = None, value: int | None = None):
        super().__init__(message)
        self.status = status
        self.limit = limit
        self.value = value


NOT_XLSX = "上传的文件不是有效的 .xlsx 工作簿（.xls 或 .csv 请先另存为 .xlsx） (not an .xlsx workbook)"


def inspect_workbook(data: bytes, limits: SheetLimits) -> None:
    """Refuse ``data`` with :class:`SheetRefused` unless it is a zip whose parts stay within ``limits``.

    Reads the zip directory, then streams each ``.xml``/``.rels`` part through a counting parser;
    memory stays a few chunks whatever the file holds, and the work stops at the first limit passed.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_directory(members, limits)
            counter = _Counter(limits)
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        counter.read(member.filename, part)
    except SheetRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ExpatError, OSError, ValueError, EOFError) as exc:
        raise SheetRefused(NOT_XLSX) from exc
    except (NotImplementedError, RuntimeError) as exc:  # an unknown compression method, an encrypted member
        raise SheetRefused(NOT_XLSX) from exc


def _check_directory(members: list[zipfile.ZipInfo], limits: SheetLimits) -> None:
    if len(members) > limits.max_entries:
        raise SheetRefused(
            f"工作簿包含 {len(members)} 个部件，超过上限 {limits.max_entries} 个 (too many zip entries)",
            limit="max_entries",
            value=limits.max_entries,
        )
    unpacked = 0
    for member in members:
        if member.file_size > limits.ratio_from_bytes and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            ratio = member.file_size // max(member.compress_size, 1)
            raise SheetRefused(
                f"工作簿部件 {member.filename[:80]} 解压后 {member.file_size / (1 << 20):.1f} MiB，"
                f"压缩比 {ratio}:1 超过上限 {limits.max_ratio}:1，不像正常的表格 (compression ratio too high)",
                limit="max_ratio",
                value=limits.max_ratio,
            )
        unpacked += member.file_size
    if unpacked > limits.max_unpacked_bytes:
        raise SheetRefused(
            f"工作簿解压后 {unpacked / (1 << 20):.1f} MiB，超过上限 {limits.max_unpacked_bytes >> 20} MiB，"
            "请删除图片和多余的工作表后再上传 (the workbook unpacks too large)",
            status=413,
            limit="max_unpacked_bytes",
            value=limits.max_unpacked_bytes,
        )


class _Counter:
    """Counts elements across the workbook, shared strings (``si``) and rows (``row``) per part."""

    def __init__(self, limits: SheetLimits) -> None:
        self._limits = limits
        self._elements = 0
        self._unpacked = 0

    def read(self, name: str, part: IO[bytes]) -> None:
        parser = ParserCreate(namespace_separator=_SEPARATOR)
        counts = {"si": 0, "row": 0}
        limits = self._limits

        def start(tag: str, _attributes: Any) -> None:
            self._elements += 1
            if self._elements > limits.max_elements:
                raise SheetRefused(
                    f"工作簿内容超过 {limits.max_elements} 个 XML 元素，请删除多余的行、列和格式后再上传 "
                    "(too many XML elements)",
                    limit="max_elements",
                    value=limits.max_elements,
                )
            local = tag.rpartition(_SEPARATOR)[2]
            if local in counts:
                counts[local] += 1
                if local == "si" and counts["si"] > limits.max_shared_strings:
                    raise SheetRefused(
                        f"工作簿的共享字符串超过 {limits.max_shared_strings} 个，不像一张活动登记表 "
                        "(too many shared strings)",
                        limit="max_shared_strings",
                        value=limits.max_shared_strings,
                    )
                if local == "row" and counts["row"] > limits.max_sheet_rows:
                    raise SheetRefused(
                        f"工作表 {name[:80]} 超过 {limits.max_sheet_rows} 行（含空行），"
                        "请删除表格下方多余的空行后再上传 (too many rows)",
                        limit="max_sheet_rows",
                        value=limits.max_sheet_rows,
                    )

        def doctype(*_args: Any) -> None:
            # no part of an .xlsx declares a DTD; one that does is built to expand entities
            raise SheetRefused(
                f"工作簿部件 {name[:80]} 含有 DTD 或实体声明，不是正常的 .xlsx (a DTD in an xlsx part)",
                limit="no_dtd",
            )

        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = doctype
        parser.EntityDeclHandler = doctype
        while chunk := part.read(_CHUNK):
            self._unpacked += len(chunk)
            if self._unpacked > limits.max_unpacked_bytes:  # the declared sizes bind zipfile; this is belt and braces
                raise SheetRefused(
                    f"工作簿解压后超过 {limits.max_unpacked_bytes >> 20} MiB (the workbook unpacks too large)",
                    status=413,
                    limit="max_unpacked_bytes",
                    value=limits.max_unpacked_bytes,
                )
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
