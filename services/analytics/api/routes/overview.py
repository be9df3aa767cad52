"""``/api/v1/stats``: statistics from the analytics views."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from shared.web.conditional import Rendered, conditional

from ...service.overview import overview
from ..access import StatisticsFreshnessDep
from ..deps import AnalyticsDep

router = APIRouter(prefix="/stats", tags=["statistics"])


class ProvinceCountOut(BaseModel):
    code: str
    activities: int


class OverviewOut(BaseModel):
    total: int
    provinces: list[ProvinceCountOut]


@router.get("/overview", response_model=OverviewOut, summary="Activities per province")
async def get_overview(
    request: Request,
    freshness: StatisticsFreshnessDep,
    analytics: AnalyticsDep,
    campaign: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    # read afresh every time (a small table; a replay's swap shows at once), tagged by its bytes
    result = await overview(analytics.backbone.engine, campaign)
    answer = OverviewOut(
        total=result.total, provinces=[ProvinceCountOut(code=p.code, activities=p.activities) for p in result.provinces]
    )
    return conditional(request, Rendered.of(answer.model_dump_json().encode()), freshness)
