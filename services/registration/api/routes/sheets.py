"""``/api/v1/activities/import`` and ``/api/v1/activities/export.xlsx``: activities as 附件1 sheets.

Included before :mod:`.activities`, whose ``GET /activities/{activity_id}`` would otherwise take
``export.xlsx`` for an id.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from shared.web import Problem
from shared.web.auth import OrganizerDep, PrincipalDep

from ...sheets.audit import record_contacts_viewed
from ...sheets.disclosure import disclosure_for
from ...sheets.exporter import ExportRequest, export_sheet
from ...sheets.importer import MAX_ROWS, SheetImport
from ...sheets.workbooks import XLSX, report_book
from ..deps import RegistrationDep

router = APIRouter(prefix="/activities", tags=["activities"])

IMPORT_PATH = "/api/v1/activities/import"
MAX_BYTES = 5 * 1024 * 1024  # the default of KEPURI_REGISTRATION_SHEET_MAX_BYTES, for the OpenAPI text
CampaignId = Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")]

_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": f"The .xlsx file itself as the body (at most {MAX_BYTES // 1024 // 1024} MiB, {MAX_ROWS} rows)",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/import",
    summary="Register activities from an 附件1 sheet (.xlsx), with a per-row report",
    openapi_extra=_UPLOAD,
    responses={200: {"content": {XLSX: {}}, "description": "The report, as JSON or as the uploaded sheet annotated"}},
)
async def import_activities(
    request: Request,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    campaign_id: CampaignId,
    format: Annotated[Literal["json", "xlsx"] | None, Query(description="xlsx: the report as a sheet")] = None,
) -> Response:
    """Each row is validated and registered like ``POST /activities``, on its own: a refused row writes
    nothing and blocks no other. Rows registered by an earlier upload are reported ``already_registered``.
    ``?format=xlsx`` (or ``Accept: application/vnd…sheet``) answers the uploaded rows with a 导入结果 column.
    """
    if request.headers.get("content-type", "").startswith("multipart/"):
        raise Problem(
            415,
            "请直接上传 xlsx 文件 (send the file as the body)",
            f"Send the .xlsx file itself as the request body with Content-Type: {XLSX}, not a multipart form",
        )
    data = await _upload(request, registration.imports.max_bytes)
    importer = SheetImport(registration.backbone, registration.activities, registration.imports)
    report = await importer.run(organizer, campaign_id, data)  # SheetRefused: 413/422, ImportInProgress: 409
    if format == "xlsx" or (format is None and XLSX in request.headers.get("accept", "")):
        buffer = io.BytesIO()
        await asyncio.to_thread(report_book, report, buffer)
        name = f"导入结果-{campaign_id}.xlsx"
        return Response(buffer.getvalue(), media_type=XLSX, headers=_attachment(name, f"import-{campaign_id}.xlsx"))
    return JSONResponse(report.as_json())


@router.get(
    "/export.xlsx",
    summary="The campaign's activities as an 附件1 sheet (staff: contacts in clear, audited)",
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}}},
)
async def export_activities(
    principal: PrincipalDep,
    registration: RegistrationDep,
    campaign_id: CampaignId,
    key_only: Annotated[bool, Query(description="only key activities (重点活动)")] = False,
    region: Annotated[str | None, Query(pattern=r"^\d{2,6}$", description="GB/T 2260 code prefix")] = None,
) -> Response:
    """An organizer gets its own unit's activities, everything in clear. Staff get every unit's activities
    of their jurisdiction (a reviewer its division; an admin the country) with 负责人 and 联系电话 in
    clear and the science workers masked; each such sheet is recorded as a ``contacts-viewed`` event
    (who, which sheet, how many activities, when) before it is handed over. A region outside the
    reviewer's jurisdiction, a national society (it judges by field) or another role: 403."""
    disclosure = disclosure_for(principal, region)  # NotAllowed: 403
    campaign = await registration.activities.campaigns.get(campaign_id)
    wanted = ExportRequest(
        campaign, disclosure.unit_id, disclosure.region, key_only, clear=disclosure.clear, contacts=disclosure.contacts
    )
    path, rows = await export_sheet(registration.backbone, wanted)
    try:
        if disclosure.audited:
            await record_contacts_viewed(registration.backbone, principal, disclosure, campaign_id, key_only, rows)
    except BaseException:
        path.unlink(missing_ok=True)  # no audit, no sheet
        raise
    return FileResponse(
        path,
        media_type=XLSX,
        headers=_attachment(f"{wanted.title}.xlsx", f"kepuri-activities-{campaign_id}.xlsx"),
        background=BackgroundTask(Path.unlink, path, missing_ok=True),
    )


async def _upload(request: Request, max_bytes: int) -> bytes:
    """The request body, refused as soon as it passes ``max_bytes`` (413).

    The shared body limit (:mod:`shared.web.limits`) already stops a larger body for this path before
    the route runs; this is the import's own wording of it, should the two ever differ.
    """
    too_big = Problem(
        413,
        "文件过大 (file too large)",
        f"活动表格最大 {max_bytes / (1 << 20):g} MiB，请分批上传 "
        f"(an activity sheet may be at most {max_bytes / (1 << 20):g} MiB; split it into several uploads)",
        limit="sheet_max_bytes",
        limit_value=max_bytes,
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        chunks.append(chunk)
    if size == 0:
        raise Problem(422, "请上传 xlsx 文件 (empty body)", f"Send the .xlsx file as the request body ({XLSX})")
    return b"".join(chunks)


def _attachment(name: str, fallback: str) -> dict[str, str]:
    """``Content-Disposition`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"}
