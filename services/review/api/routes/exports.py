"""``GET /api/v1/exports/recommendations.xlsx``: a box as the form 附件3 or 附件2, or as a list with
indicator figures. Its own prefix, so no ``/recommendations/{recommendation_id}`` route can take it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ...service.recommendation_workbooks import XLSX, ExportQuery, Form, export_recommendations
from ..deps import ReviewDep, StaffDep
from ..list_schemas import BoxParam, KindParam, ListSort

router = APIRouter(prefix="/exports", tags=["recommendation lists"])


@router.get(
    "/recommendations.xlsx",
    summary="Export a box as 附件3 (activities), 附件2 (units) or a list with indicator figures (.xlsx)",
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}, "description": "the workbook, as an attachment"}},
)
async def export_recommendations_sheet(
    staff: StaffDep,
    review: ReviewDep,
    campaign: Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")],
    box: Annotated[BoxParam, Query(description="as in GET /recommendations")] = "received",
    kind: Annotated[KindParam | None, Query(description="activity or unit; implied by 附件3 / 附件2")] = None,
    form: Annotated[
        Form | None,
        Query(
            description="附件3 (优秀活动推荐表), 附件2 (先进单位推荐表) or list; by default the kind's form, else list"
        ),
    ] = None,
    sort: Annotated[ListSort, Query(description="as in GET /recommendations")] = "created_at",
) -> FileResponse:
    """Exactly the box's items (the caller's jurisdiction only), in its order, with the chain's review
    opinions (审核意见) one column per reviewing level, and contacts as the recommending body gave them."""
    wanted = ExportQuery(campaign, box, kind, form, sort)
    exported = await export_recommendations(review.lists, staff, wanted)
    return FileResponse(
        exported.path,
        media_type=XLSX,
        headers=_attachment(exported.filename, exported.fallback),
        background=BackgroundTask(Path.unlink, exported.path, missing_ok=True),
    )


def _attachment(name: str, fallback: str) -> dict[str, str]:
    """``Content-Disposition`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"}
