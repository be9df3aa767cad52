"""``/api/v1/stats``: statistics from the analytics views."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ...service.overview import overview
from ..access import public_or_staff
from ..deps import AnalyticsDep

router = APIRouter(prefix="/stats", tags=["statistics"])


class ProvinceCountOut(BaseModel):
    code: str
    activities: int


class OverviewOut(BaseModel):
    total: int
    provinces: list[ProvinceCountOut]


@router.get(
    "/overview",
    response_model=OverviewOut,
    summary="Activities per province",
    dependencies=[Depends(public_or_staff)],
)
async def get_overview(
    analytics: AnalyticsDep, campaign: Annotated[str | None, Query(max_length=64)] = None
) -> OverviewOut:
    result = await overview(analytics.backbone.engine, campaign)
    return OverviewOut(
        total=result.total, provinces=[ProvinceCountOut(code=p.code, activities=p.activities) for p in result.provinces]
    )
