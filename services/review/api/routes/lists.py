"""``GET /api/v1/recommendations`` (a reviewing body's boxes) and ``GET /api/v1/indicators`` (scoreboards).

Everything answered lies inside the caller's jurisdiction: its region prefix, a national society's
field, or the whole country for the national organisers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ...service.recommendation_lists import ListQuery
from ..deps import ReviewDep, StaffDep
from ..list_schemas import BoxParam, IndicatorSort, KindParam, ListSort, RecommendationPage, ScoreboardOut

router = APIRouter(tags=["recommendation lists"])

CampaignParam = Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]


@router.get(
    "/recommendations",
    response_model=RecommendationPage,
    summary="A reviewing body's recommendations by box, with indicator figures and counts per box",
)
async def list_recommendations(
    staff: StaffDep,
    review: ReviewDep,
    campaign: CampaignParam,
    box: Annotated[
        BoxParam,
        Query(
            description="received: waiting at your level (at the top also selected); sent: yours; "
            "endorsed / declined: you acted so; all: everything in your jurisdiction"
        ),
    ] = "received",
    kind: Annotated[KindParam | None, Query(description="activity (附件3) or unit (附件2); both when absent")] = None,
    sort: Annotated[
        ListSort,
        Query(description="created_at (default, keyset paging) or an indicator (offset paging); - for descending"),
    ] = "created_at",
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> RecommendationPage:
    """Activity items carry the activity's own figures and its unit's; unit items the unit's. Figures
    count only the activities inside the caller's jurisdiction. ``counts`` give every box's size for
    the same campaign and kind."""
    wanted = ListQuery(campaign, box, kind, sort, cursor, limit)
    return RecommendationPage.of(await review.lists.page(staff, wanted))


@router.get(
    "/indicators",
    response_model=ScoreboardOut,
    summary="Indicator scoreboard per unit or per region, inside the caller's jurisdiction",
)
async def indicators(
    staff: StaffDep,
    review: ReviewDep,
    campaign: CampaignParam,
    by: Annotated[Literal["unit", "region"], Query(description="one line per unit, or per region")] = "unit",
    region: Annotated[
        str | None,
        Query(
            pattern=r"^\d{2}(\d{2}(\d{2})?)?$",
            description="GB/T 2260 prefix (defaults to your jurisdiction); by=region groups one level below it",
        ),
    ] = None,
    sort: Annotated[IndicatorSort, Query(description="an indicator; - for descending")] = "-activities",
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ScoreboardOut:
    """A region outside the caller's jurisdiction is 403; a wider one counts only the caller's part."""
    board = await review.lists.indicators(staff, campaign, by=by, region=region, sort=sort, cursor=cursor, limit=limit)
    return ScoreboardOut.of(by, board)
