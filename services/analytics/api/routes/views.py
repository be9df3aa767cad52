"""``/api/v1/stats/…``: the activity views by dimension, per minute, recommendations, notifications,
local rules and the indicator scoreboard, with filters (campaign, region prefix, start days). The
scoreboard (per unit) is for staff; the rest is public unless the campaign says otherwise (..access).

Each answer is shared for a second by every caller asking the same question (the container's answers),
so the figures are at most a second old and fifty viewers cost the database what one does. Each carries
a strong ``ETag`` and a ``Cache-Control`` (public for a public campaign, private for staff: ..access), and
a matching ``If-None-Match`` is answered 304 from the shared answer without a query."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter

from shared.web.conditional import PRIVATE, conditional
from shared.web.dates import Day
from shared.web.problems import Problem

from ...adapters.statistics import SqlStatistics
from ...service import statistics as stats
from ..access import StaffDep, StatisticsFreshnessDep, within_jurisdiction
from ..deps import AnalyticsDep

router = APIRouter(prefix="/stats", tags=["statistics"])
# Anyone for a campaign whose statistics are public, else a reviewer's or an admin's token (..access):
# the routes take ``FreshnessDep``, which checks that and says how long a cache may keep the answer.
FreshnessDep = StatisticsFreshnessDep

REGION = r"^\d{2}(\d{2}(\d{2})?)?$"
MINUTE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"


async def filters(
    campaign: Annotated[str, Query(min_length=1, max_length=64, description="campaign id, e.g. 2026")],
    region: Annotated[
        str | None, Query(pattern=REGION, description="GB/T 2260 prefix: province, city or county")
    ] = None,
    date_from: Annotated[Day | None, Query(description="first start day (China time)")] = None,
    date_to: Annotated[Day | None, Query(description="last start day (China time)")] = None,
) -> stats.Filters:
    if date_from and date_to and date_from > date_to:
        raise Problem(422, "日期范围无效 (date_from is after date_to)", f"{date_from} is after {date_to}")
    return stats.Filters(campaign, region, date_from, date_to)


FiltersDep = Annotated[stats.Filters, Depends(filters)]


class Figures(BaseModel):
    activities: int
    info_completed: int
    completion_rate: float | None = Field(description="info completed ÷ activities; null without activities")
    science_workers: int
    checkins: int
    feedback: int
    rating_avg: float | None = Field(description="average rating; null while nobody rated")
    online_works: int = Field(0, description="online works (网络科普作品, 千万IP创科普) the activities name")


class Group(Figures):
    key: str | None = Field(description="the dimension's value (null: not given)")
    name: str | None = Field(None, description="the region's name, for regional dimensions")


class Breakdown(BaseModel):
    by: str
    totals: Figures
    groups: list[Group]


@router.get("/activities", response_model=Breakdown, summary="Activities and their figures by a dimension")
async def activities(
    request: Request,
    freshness: FreshnessDep,
    analytics: AnalyticsDep,
    where: FiltersDep,
    by: Annotated[stats.Dimension, Query(description="the dimension to group by")] = "province",
) -> Response:
    def read(connection: Any) -> Breakdown:
        reader = SqlStatistics(connection)
        totals = stats.totals(reader, where)
        groups = [Group(**g) for g in stats.breakdown(reader, where, by)]
        return Breakdown(by=by, totals=Figures(**totals), groups=groups)

    return conditional(request, await analytics.answer_json(("activities", where, by), read, BREAKDOWN), freshness)


BREAKDOWN = TypeAdapter(Breakdown)


class Minute(BaseModel):
    minute: str = Field(description="China time, YYYY-MM-DDTHH:MM")
    registrations: int


MINUTES = TypeAdapter(list[Minute])


@router.get("/registrations-per-minute", response_model=list[Minute], summary="Registrations per minute")
async def registrations_per_minute(
    request: Request,
    freshness: FreshnessDep,
    analytics: AnalyticsDep,
    campaign: Annotated[str, Query(min_length=1, max_length=64)],
    since: Annotated[str | None, Query(pattern=MINUTE)] = None,
    until: Annotated[str | None, Query(pattern=MINUTE)] = None,
) -> Response:
    key = ("minutes", campaign, since, until)
    answer = await analytics.answer_json(
        key, lambda c: stats.per_minute(SqlStatistics(c), campaign, since, until), MINUTES
    )
    return conditional(request, answer, freshness)


class Recommendations(BaseModel):
    activities: dict[str, int] = Field(description="activity recommendations in force per level")
    units: dict[str, int] = Field(description="unit recommendations in force per level")


RECOMMENDATIONS = TypeAdapter(Recommendations)


@router.get("/recommendations", response_model=Recommendations, summary="Recommendations per level")
async def recommendations(
    request: Request, freshness: FreshnessDep, analytics: AnalyticsDep, where: FiltersDep
) -> Response:
    answer = await analytics.answer_json(
        ("recommendations", where), lambda c: stats.recommendations(SqlStatistics(c), where), RECOMMENDATIONS
    )
    return conditional(request, answer, freshness)


class NotificationCount(BaseModel):
    kind: str
    channel: str
    sent: int
    failed: int


NOTIFICATIONS = TypeAdapter(list[NotificationCount])


@router.get("/notifications", response_model=list[NotificationCount], summary="Notifications sent and failed")
async def notifications(
    request: Request,
    freshness: FreshnessDep,
    analytics: AnalyticsDep,
    campaign: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    answer = await analytics.answer_json(
        ("notifications", campaign), lambda c: stats.notifications(SqlStatistics(c), campaign), NOTIFICATIONS
    )
    return conditional(request, answer, freshness)


class RuleRegion(BaseModel):
    code: str
    name: str | None
    activities: int


class LocalRule(BaseModel):
    name: str
    kind: str
    match: str
    per: str
    total: int
    regions: list[RuleRegion]


LOCAL_RULES = TypeAdapter(list[LocalRule])


@router.get("/local-rules", response_model=list[LocalRule], summary="The campaign's local assessment rules, counted")
async def local_rules(
    request: Request, freshness: FreshnessDep, analytics: AnalyticsDep, where: FiltersDep
) -> Response:
    answer = await analytics.answer_json(
        ("local-rules", where), lambda c: stats.local_rules(SqlStatistics(c), where), LOCAL_RULES
    )
    return conditional(request, answer, freshness)


class ScoreRow(Group):
    recommended: int
    commended: int


class Scoreboard(BaseModel):
    indicators: list[str] = Field(description="the campaign's indicators")
    rows: list[ScoreRow]


@router.get(
    "/scoreboard", response_model=Scoreboard, summary="Indicator scoreboard per unit or region (reviewer or admin)"
)
async def scoreboard(
    request: Request,
    staff: StaffDep,
    analytics: AnalyticsDep,
    where: FiltersDep,
    by: Annotated[Literal["unit", "province", "city", "county"], Query()] = "unit",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """A reviewer below national level sees the units and regions inside its jurisdiction only."""
    # so the answer depends on the caller: private
    where = replace(where, region=within_jurisdiction(staff, where.region))
    board = await analytics.answer_json(
        ("scoreboard", where, by, limit), lambda c: stats.scoreboard(SqlStatistics(c), where, by, limit), SCOREBOARD
    )
    return conditional(request, board, PRIVATE)


SCOREBOARD = TypeAdapter(Scoreboard)
