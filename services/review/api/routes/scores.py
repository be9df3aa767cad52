"""``GET /api/v1/indicators/scores``: indicator scores per unit or per region for a campaign, inside
the caller's jurisdiction, the highest composite first (docs/review.md, "Indicator scores")."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from shared.web.cursor import decode_cursor, encode_cursor

from ...domain.errors import BadParameter
from ..deps import ReviewDep, StaffDep
from ..score_schemas import ScoreBoardOut

router = APIRouter(tags=["recommendation lists"])


@router.get(
    "/indicators/scores",
    response_model=ScoreBoardOut,
    summary="Indicator scores (each measure, its weight, the composite) per unit or region, in your jurisdiction",
)
async def indicator_scores(
    staff: StaffDep,
    review: ReviewDep,
    campaign: Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")],
    by: Annotated[Literal["unit", "region"], Query(description="one line per unit, or per region")] = "unit",
    region: Annotated[
        str | None,
        Query(
            pattern=r"^\d{2}(\d{2}(\d{2})?)?$",
            description="GB/T 2260 prefix (defaults to your jurisdiction); by=region groups one level below it",
        ),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ScoreBoardOut:
    """Each unit (or region) is scored against the others of the same set: the campaign's units (or
    regions of one level) inside the caller's jurisdiction. A region outside it is 403."""
    marker = f"scores:{by}:{region or ''}"
    offset = 0
    if cursor:
        kind, sorted_by, position = decode_cursor(cursor, 3)
        if kind != "o" or sorted_by != marker or not isinstance(position, int) or position < 0:
            raise BadParameter(
                "分页游标与本次查询不符，请不带 cursor 重新开始 (the cursor is not one of this listing)", field="cursor"
            )
        offset = position
    board = await review.scores.board(staff, campaign, by=by, region=region, offset=offset, limit=limit)
    following = encode_cursor(["o", marker, offset + limit]) if offset + limit < board.total else None
    return ScoreBoardOut.of(campaign, by, board, following)
