"""``/api/v1/summaries``: a reporter's own summary report (工作总结), and what the level above sees of them."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from shared.auth import Principal
from shared.web.auth import require_role
from shared.web.idempotency import Idempotent

from ...service.summary_overview import overview_book
from ..deps import ReviewDep, StaffDep
from ..summary_schemas import OverviewOut, SummaryOut, SummaryText

router = APIRouter(prefix="/summaries", tags=["summary reports"])

ATTACH_PATH = "/api/v1/summaries/attachments"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ReporterDep = Annotated[Principal, require_role("reviewer", "organizer")]
CampaignParam = Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")]
Hex = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


async def _mine(review: ReviewDep, reporter: Principal, campaign: str) -> SummaryOut:
    report, rules = await review.summaries.mine(reporter, campaign)
    return SummaryOut.of(report, rules, review.clock.today())


@router.get("/mine", response_model=SummaryOut, summary="My summary report of a campaign, its status and deadline")
async def read_mine(reporter: ReporterDep, review: ReviewDep, campaign: CampaignParam) -> SummaryOut:
    """A reviewing body's (or, where the campaign says so, an organizer unit's) own report; status
    ``none`` before anything is saved. 403 when the campaign does not ask the caller to report."""
    return await _mine(review, reporter, campaign)


@router.put("/mine", response_model=SummaryOut, summary="Save the draft's text")
async def save_draft(
    reporter: ReporterDep, review: ReviewDep, campaign: CampaignParam, body: SummaryText
) -> SummaryOut:
    """Refused after the campaign's summary deadline (422 naming it) or once submitted (409)."""
    await review.summaries.draft(reporter, campaign, body.text)
    return await _mine(review, reporter, campaign)


@router.post(
    "/attachments",
    status_code=201,
    response_model=SummaryOut,
    summary="Attach a file to my draft (the file itself as the body)",
    dependencies=[Idempotent],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "pdf, docx, xlsx, png or jpeg (told by its content), at most 10 MiB",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def attach(
    request: Request,
    reporter: ReporterDep,
    review: ReviewDep,
    campaign: CampaignParam,
    filename: Annotated[str, Query(min_length=1, max_length=200, description="the file's name, shown to readers")],
) -> SummaryOut:
    """The type is told by the file's first bytes, never by its name; the name is cleaned of paths."""
    data = await request.body()
    await review.summaries.attach(reporter, campaign, filename, data)
    return await _mine(review, reporter, campaign)


@router.delete("/mine/attachments/{file_id}", response_model=SummaryOut, summary="Remove a file from my draft")
async def detach(reporter: ReporterDep, review: ReviewDep, campaign: CampaignParam, file_id: Hex) -> SummaryOut:
    await review.summaries.detach(reporter, campaign, file_id)
    return await _mine(review, reporter, campaign)


@router.post("/mine/submission", response_model=SummaryOut, summary="Submit my summary report (final)")
async def submit(reporter: ReporterDep, review: ReviewDep, campaign: CampaignParam) -> SummaryOut:
    """On or before the campaign's summary deadline (after it: 422 naming the deadline)."""
    await review.summaries.submit(reporter, campaign)
    return await _mine(review, reporter, campaign)


@router.get("", response_model=OverviewOut, summary="总结报送情况: who in my jurisdiction has reported and who not yet")
async def overview(staff: StaffDep, review: ReviewDep, campaign: CampaignParam) -> OverviewOut:
    """The reporters due to the caller's body: the divisions just below it, the organizer units in its
    region (where the campaign asks them), and for the national organisers the societies."""
    return OverviewOut.of(await review.summary_overview.overview(staff, campaign))


@router.get(
    "/export.xlsx",
    summary="总结报送情况 as a spreadsheet (.xlsx)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def export(staff: StaffDep, review: ReviewDep, campaign: CampaignParam) -> Response:
    found = await review.summary_overview.overview(staff, campaign)
    data = await asyncio.to_thread(overview_book, found)
    return Response(data, media_type=XLSX, headers=_attachment(f"工作总结报送情况-{campaign}.xlsx"))


@router.get("/{summary_id}", response_model=SummaryOut, summary="Read a submitted report I receive (or my own)")
async def read(
    principal: Annotated[Principal, require_role("reviewer", "admin", "organizer")], review: ReviewDep, summary_id: Hex
) -> SummaryOut:
    report = await review.summary_overview.read(principal, summary_id)
    return SummaryOut.of(report, None, review.clock.today())


@router.get(
    "/{summary_id}/attachments/{file_id}",
    response_class=Response,
    summary="Download an attached file of a report I may read",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download(
    principal: Annotated[Principal, require_role("reviewer", "admin", "organizer")],
    review: ReviewDep,
    summary_id: Hex,
    file_id: Hex,
) -> Response:
    filename, content_type, data = await review.summary_overview.attachment(principal, summary_id, file_id)
    headers = {**_attachment(filename), "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    return Response(data, media_type=content_type, headers=headers)


def _attachment(name: str) -> dict[str, str]:
    """``Content-Disposition`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in ".-_" else "_" for c in name)
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"}
