"""``GET /api/v1/exports/{table}.csv`` and ``GET /api/v1/exports/{table}.xlsx``: any export table.

CSV is streamed as the rows come from the database; XLSX is written to a temporary file first (a
zip is only complete at its end), then streamed back and deleted. Everything the request says is
checked before anything is read or written: an unknown table is 404, a token that may not 401/403,
a bad region or a reversed span 422, all as problem+json.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from shared.web.dates import Day

from ...exports.access import allowed_region
from ...exports.catalog import TABLES, table_named
from ...exports.filters import REGION_PATTERN, ExportFilter, checked
from ...exports.model import ExportTable
from ...exports.writers import CSV, XLSX, csv_chunks, xlsx_file
from ..access import CallerDep, access_of
from ..deps import AnalyticsDep

router = APIRouter(prefix="/exports", tags=["exports"])

_TABLES_DOC = "; ".join(
    f"`{t.name}`: {t.summary}" + (" (reviewer or admin)" if t.contacts else "") for t in TABLES.values()
)
TableName = Annotated[str, PathParam(description=f"the table: {_TABLES_DOC}")]
Campaign = Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")]
Region = Annotated[
    str | None,
    Query(
        pattern=REGION_PATTERN,
        description="GB/T 2260 code of a province, city or county (2, 4 or 6 digits); all China when absent",
    ),
]
DateFrom = Annotated[Day | None, Query(description="first day (China time) an activity starts on")]
DateTo = Annotated[Day | None, Query(description="last day (China time) an activity starts on")]


async def _request(
    table: TableName,
    caller: CallerDep,
    analytics: AnalyticsDep,
    campaign: Campaign,
    region: Region = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> tuple[ExportTable, ExportFilter]:
    """The table asked for and its checked filters (the same for both formats)."""
    chosen = table_named(table)
    region = allowed_region(chosen, caller, region, await access_of(analytics, campaign))
    return chosen, checked(campaign, region, date_from, date_to)


RequestDep = Annotated[tuple[ExportTable, ExportFilter], Depends(_request)]


def _attachment(table: ExportTable, wanted: ExportFilter, extension: str) -> dict[str, str]:
    """``Content-Disposition`` with the Chinese name (RFC 5987) and an ASCII fallback (RFC 6266)."""
    name = f"{table.title(wanted)}.{extension}"
    parts = [table.name, wanted.campaign, wanted.region or "all"]
    if wanted.date_from or wanted.date_to:
        parts.append(f"{wanted.date_from or ''}_{wanted.date_to or ''}")
    fallback = re.sub(r"[^A-Za-z0-9_.-]", "-", "-".join(["kepuri", *parts]))
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}.{extension}\"; filename*=UTF-8''{quote(name, safe='')}"
    }


@router.get(
    "/{table}.csv",
    summary="Export a table as CSV (UTF-8 with BOM), streamed",
    response_class=StreamingResponse,
    responses={200: {"content": {CSV: {}}, "description": "the table, as an attachment"}},
)
async def export_csv(analytics: AnalyticsDep, request: RequestDep) -> StreamingResponse:
    """The header row, then the rows as the database yields them, a partition at a time. Withdrawn
    activities are never exported. The summaries are public; the activity tables need a reviewer's or
    an admin's token, and a reviewer below national level gets only its jurisdiction."""
    chosen, wanted = request
    chunks = csv_chunks(analytics.export_rows, chosen, wanted)
    first = await anext(chunks)  # the query runs now: a database outage is still a 503 problem

    async def body() -> AsyncGenerator[bytes, None]:
        async with aclosing(chunks):
            yield first
            async for chunk in chunks:
                yield chunk

    return StreamingResponse(body(), media_type=CSV, headers=_attachment(chosen, wanted, "csv"))


@router.get(
    "/{table}.xlsx",
    summary="Export a table as an XLSX workbook",
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}, "description": "the table, as an attachment"}},
)
async def export_xlsx(analytics: AnalyticsDep, request: RequestDep) -> FileResponse:
    """One sheet: the title (e.g. 渭南市2022年全国科普日活动项目汇总表), for 附件1 the 单位名称 line,
    the bold frozen header row, then the rows. Same filters and access as the CSV."""
    chosen, wanted = request
    path = await xlsx_file(analytics.export_rows, chosen, wanted, chosen.title(wanted))
    return FileResponse(
        path,
        media_type=XLSX,
        headers=_attachment(chosen, wanted, "xlsx"),
        background=BackgroundTask(Path.unlink, path, missing_ok=True),
    )
