"""``/api/v1/stats/summaries``: summary reports (工作总结) reported / due per region (reviewer or admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ...adapters.summary_reports import SqlSummaries
from ...service.summary_counts import summary_counts
from ..access import StaffDep, within_jurisdiction
from ..deps import AnalyticsDep

router = APIRouter(prefix="/stats", tags=["statistics"])


class SummaryRegion(BaseModel):
    region_code: str
    name: str
    due: int
    reported: int


class SummaryCounts(BaseModel):
    campaign: str
    reporters: list[str]
    due: int
    reported: int
    regions: list[SummaryRegion]


@router.get("/summaries", response_model=SummaryCounts, summary="Summary reports reported / due per region")
async def summaries(
    staff: StaffDep,
    analytics: AnalyticsDep,
    campaign: Annotated[str, Query(min_length=1, max_length=64, description="活动年度 (campaign id)")],
    region: Annotated[
        str | None,
        Query(pattern=r"^\d{2}(\d{2}(\d{2})?)?$", description="GB/T 2260 code; one line per division below it"),
    ] = None,
) -> SummaryCounts:
    """A reviewer below national level sees only inside its jurisdiction (its own region by default)."""
    where = within_jurisdiction(staff, region) or ""
    counts = await analytics.answer(
        ("summaries", campaign, where), lambda c: summary_counts(SqlSummaries(c), campaign, where, analytics.regions)
    )
    return SummaryCounts.model_validate(counts)
