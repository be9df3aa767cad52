"""``GET /api/v1/commended``: the public list of a campaign's commended units and activities (no token)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from ..deps import ReviewDep

router = APIRouter(tags=["commendations"])


class CommendationOut(BaseModel):
    level: str
    body_name: str
    citation: str | None
    on: str


class CommendedOut(BaseModel):
    kind: Literal["activity", "unit"]
    subject_id: str
    name: str
    unit_name: str
    region_code: str
    commendations: list[CommendationOut]


@router.get(
    "/commended",
    response_model=list[CommendedOut],
    summary="A campaign's commended (表扬) units and activities, with who commended them (public)",
)
async def commended(
    campaign: Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")],
    review: ReviewDep,
    response: Response,
) -> list[CommendedOut]:
    response.headers["Cache-Control"] = "public, max-age=60"
    return [CommendedOut(**row) for row in await review.commended.listed(campaign)]
