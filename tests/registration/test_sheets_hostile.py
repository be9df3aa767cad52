"""Hostile uploads cost next to nothing: a workbook built to exhaust the reader (millions of tiny
shared strings, a sheet of endless rows without a ``<dimension>``, a zip bomb, entity expansion…) is
refused before openpyxl reads it, with a 413/422 problem+json that names the limit, in well under a
second of CPU and a few MiB that are given back. One import at a time per unit."""

from __future__ import annotations

import gc
import io
import os
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator

import pytest

from services.registration.sheets.importer import MAX_ROWS
from services.registration.sheets.reading import SheetLimits, SheetRefused, read_sheet

from .conftest import Service
from .test_activities import rows
from .test_sheets import HEADER, IMPORT, good_row, recorded_identities, upload, workbook

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
TYPES = "[Content_Types].xml"
STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def crafted(parts: dict[str, Iterable[bytes]], *, base: bytes | None = None) -> bytes:
    """A real .xlsx written by openpyxl (with shared strings), its parts replaced or added, streamed."""
    out = io.BytesIO()
    source_data = base or workbook([good_row(1)])
    with (
        zipfile.ZipFile(io.BytesIO(source_data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            if member.filename == TYPES and STRINGS in parts:  # declared, so openpyxl reads them all
                target.writestr(member, source.read(member).replace(b"</Types>", STRINGS_TYPE + b"</Types>"))
            elif member.filename not in parts:
                target.writestr(member, source.read(member))
        for name, chunks in parts.items():
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return out.getvalue()


def batched(items: Iterable[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    buffer: list[bytes] = []
    length = 0
    for item in items:
        buffer.append(item)
        length += len(item)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    yield b"".join(buffer)


def shared_strings(strings: Iterable[bytes]) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN + b'">'
    yield from batched(b"<si><t>" + s + b"</t></si>" for s in strings)
    yield b"</sst>"


def sheet_rows(rows_: Iterable[bytes]) -> Iterator[bytes]:
    """A worksheet without a <dimension> element: openpyxl cannot know its size without reading it all."""
    yield b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN + b'"><sheetData>'
    yield from batched(rows_)
    yield b"</sheetData></worksheet>"


def header_then(n: int) -> Iterator[bytes]:
    """The 附件1 header row (inline strings), then ``n`` rows each naming an activity."""
    cells = b"".join(b'<c t="inlineStr"><is><t>' + h.encode() + b"</t></is></c>" for h in HEADER)
    yield b'<row r="1">' + cells + b"</row>"
    for r in range(2, n + 2):
        yield b'<row r="%d"><c r="B%d" t="inlineStr"><is><t>x%d</t></is></c></row>' % (r, r, r)


def endless_rows(n: int, cells: int) -> Iterator[bytes]:
    """``n`` rows of ``cells`` numbers each: few rows, but a million elements to walk."""
    for r in range(1, n + 1):
        yield b'<row r="%d">' % r
        yield from (b"<c><v>%d</v></c>" % i for i in range(cells))
        yield b"</row>"


def billion_laughs() -> Iterator[bytes]:
    entities = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    yield b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY l0 "lol">' + entities + b"]>"
    yield b'<sst xmlns="' + MAIN + b'"><si><t>&l9;</t></si></sst>'


def zeros(total: int) -> Iterator[bytes]:
    for _ in range(total >> 20):
        yield bytes(1 << 20)


def incompressible_enough(total: int) -> Iterator[bytes]:
    """Media that deflates about 15:1: large unpacked, small uploaded, not a bomb by its ratio."""
    for _ in range(total >> 16):
        yield os.urandom(4096) + bytes(61440)


HOSTILE: list[tuple[str, Callable[[], bytes], int, str]] = [
    # the file: ~300 KiB holding millions of tiny shared strings
    (
        "shared-strings-bomb",
        lambda: crafted({STRINGS: shared_strings(b"%d" % (i % 97) for i in range(3_000_000))}),
        422,
        "max_ratio",
    ),
    (
        "many-shared-strings",
        lambda: crafted({STRINGS: shared_strings("活动%d".encode() % i for i in range(150_000))}),
        422,
        "max_shared_strings",
    ),
    ("rows-without-dimension", lambda: crafted({SHEET: sheet_rows(header_then(200_000))}), 422, "max_sheet_rows"),
    (
        "endless-row",
        lambda: crafted({SHEET: sheet_rows(endless_rows(3, 200_000))}),
        422,
        "max_elements",
    ),
    ("zip-bomb", lambda: crafted({"xl/media/image1.png": zeros(512 << 20)}), 422, "max_ratio"),
    ("billion-laughs", lambda: crafted({STRINGS: billion_laughs()}), 422, "no_dtd"),
    (
        "unpacks-too-large",
        lambda: crafted({"xl/media/image1.png": incompressible_enough(40 << 20)}),
        413,
        "max_unpacked_bytes",
    ),
    ("many-entries", lambda: crafted({f"xl/media/{i}.bin": [b""] for i in range(5_000)}), 422, "max_entries"),
    ("not-a-zip", lambda: os.urandom(300 << 10), 422, ""),
]
IDS = [name for name, *_ in HOSTILE]


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def refused(data: bytes) -> SheetRefused:
    try:
        read_sheet(data, MAX_ROWS)
    except SheetRefused as exc:
        return exc
    raise AssertionError("the hostile workbook was read")


@pytest.mark.parametrize(("name", "build", "status", "limit"), HOSTILE, ids=IDS)
def test_a_hostile_workbook_is_refused_for_under_a_second_of_cpu_and_no_lasting_memory(
    name: str, build: Callable[[], bytes], status: int, limit: str
) -> None:
    data = build()
    assert len(data) < 5 << 20, "every hostile file fits under the upload limit"
    gc.collect()
    rss_before = rss_bytes()
    started = time.process_time()
    refusal = refused(data)
    cpu_s = time.process_time() - started
    assert cpu_s < 1.0, f"{name}: {cpu_s:.2f} s of CPU to refuse {len(data) >> 10} KiB"
    assert (refusal.status, refusal.limit or "") == (status, limit), str(refusal)
    assert str(refusal) and any("\u4e00" <= ch <= "\u9fff" for ch in str(refusal)), "the reason is told in Chinese"

    tracemalloc.start()
    try:
        refused(data)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{name}: refusing it allocated {peak >> 20} MiB at its peak"
    assert current < 1 << 20, f"{name}: {current >> 10} KiB stayed allocated after the refusal"
    gc.collect()
    assert rss_bytes() - rss_before < 64 << 20, "the process keeps no memory from the refusal"


def test_a_real_sheet_of_the_largest_allowed_size_passes_the_limits() -> None:
    sheet = read_sheet(workbook([good_row(n) for n in range(1, MAX_ROWS + 1)]), MAX_ROWS)
    assert len(sheet.rows) == MAX_ROWS
    styled = crafted({SHEET: sheet_rows(header_then(30))})
    assert len(read_sheet(styled, MAX_ROWS, SheetLimits(max_sheet_rows=31)).rows) == 30


@pytest.mark.parametrize(
    ("name", "build", "status", "limit"), [h for h in HOSTILE if h[0] != "not-a-zip"], ids=IDS[:-1]
)
async def test_the_import_answers_a_hostile_workbook_with_a_problem_naming_the_limit(
    service: Service, name: str, build: Callable[[], bytes], status: int, limit: str
) -> None:
    await service.campaign()
    me = await service.organizer()
    before = await rows(service, "outbox")
    answer = await upload(service, build(), me)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and problem["limit"] == limit
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"])
    assert await rows(service, "activities") == 0 and await rows(service, "outbox") == before
    assert await recorded_identities(service) == 0


async def test_a_unit_runs_one_import_at_a_time(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    other = await service.organizer(name="渭南市华州区科学技术协会")
    unit_id = (await service.container.verifier.verify(me["Authorization"].removeprefix("Bearer "))).unit_id
    assert unit_id is not None
    async with service.container.imports.hold(unit_id):  # the unit's first import is still running
        second = await upload(service, workbook([good_row(1)]), me)
        assert second.status_code == 409, second.text
        assert second.headers["content-type"] == "application/problem+json"
        assert second.headers["retry-after"] and "导入" in second.json()["detail"]
        assert second.json()["limit"] == "one_import_per_unit"
        elsewhere = await upload(service, workbook([good_row(2)]), other)
        assert elsewhere.status_code == 200, "another unit is not held up"
    assert await rows(service, "activities") == 1
    again = await upload(service, workbook([good_row(1)]), me)
    assert again.status_code == 200 and again.json()["counts"]["registered"] == 1
    assert (await upload(service, workbook([good_row(1)]), me, url=IMPORT)).json()["counts"]["already_registered"] == 1
