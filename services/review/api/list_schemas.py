"""Schemas of the reviewers' boxes and scoreboards: recommendations with indicator figures beside them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from pydantic import BaseModel, Field

from ..adapters.figures import Figures, Ranked
from ..service.recommendation_lists import Listed, Page, Scoreboard
from .content_schemas import ActivityDetailsOut
from .schemas import RecommendationOut
from .score_schemas import ScoreOut

BoxParam = Literal["received", "sent", "endorsed", "declined", "all"]
KindParam = Literal["activity", "unit"]
ListSort = Literal[
    "created_at",
    "-created_at",
    "participation",
    "-participation",
    "science_workers",
    "-science_workers",
    "rating",
    "-rating",
    "completion",
    "-completion",
]
IndicatorSort = Literal[
    "activities",
    "-activities",
    "online",
    "-online",
    "joint_actions",
    "-joint_actions",
    "science_workers",
    "-science_workers",
    "participation",
    "-participation",
    "rating",
    "-rating",
    "completion",
    "-completion",
]


class FiguresOut(BaseModel):
    """Indicator figures over registered (not withdrawn) activities in the caller's jurisdiction."""

    activities: int = Field(description="活动数")
    online_activities: int = Field(description="线上活动数 (online or both)")
    joint_action_activities: int = Field(description="联合行动活动数 (in a joint action, or with co-organizers)")
    science_workers: int = Field(description="参与科技工作者人数")
    participation: int = Field(description="参与人次 (check-ins)")
    ratings: int = Field(description="评价人数")
    average_rating: float | None = Field(description="平均评分 (1–5); null while nobody rated")
    info_completed: int = Field(description="信息已完善的活动数")
    completion_rate: float | None = Field(description="信息完善率 (0–1); null without activities")

    @classmethod
    def of(cls, figures: Figures | None) -> FiguresOut | None:
        return cls(**asdict(figures)) if figures is not None else None


class FiguresBeside(BaseModel):
    activity: FiguresOut | None = Field(description="the activity's own figures (activity recommendations)")
    unit: FiguresOut | None = Field(description="the unit's figures (its activities in the campaign)")


class ListedOut(RecommendationOut):
    """A recommendation in a box: its form, history, the organizer unit and the figures beside it."""

    unit_id: str | None
    figures: FiguresBeside
    score: ScoreOut | None = Field(
        None, description="the unit's indicator scores (each measure, weight, composite) against the units you judge"
    )
    details: ActivityDetailsOut | None = Field(description="活动详情 of an activity recommendation; null for a unit")

    @classmethod
    def listed(cls, item: Listed) -> ListedOut:
        base = RecommendationOut.of(item.rec, item.row).model_dump()
        figures = FiguresBeside(activity=FiguresOut.of(item.activity), unit=FiguresOut.of(item.unit))
        details = ActivityDetailsOut.model_validate(item.details) if item.details is not None else None
        return cls(**base, unit_id=item.unit_id, figures=figures, score=ScoreOut.of(item.score), details=details)


class BoxCounts(BaseModel):
    received: int
    sent: int
    endorsed: int
    declined: int
    all: int


class RecommendationPage(BaseModel):
    items: list[ListedOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last")
    counts: BoxCounts = Field(description="items per box for the same campaign and kind")
    sort: str
    paging: Literal["keyset", "offset"] = Field(description="keyset by created_at; offset by an indicator")

    @classmethod
    def of(cls, page: Page) -> RecommendationPage:
        return cls(
            items=[ListedOut.listed(item) for item in page.items],
            next_cursor=page.next_cursor,
            counts=BoxCounts(**page.counts),
            sort=page.sort.text,
            paging="keyset" if page.sort.key == "created_at" else "offset",
        )


class RankedOut(BaseModel):
    key: str = Field(description="unit id, or the region's code")
    name: str | None = Field(description="unit name, or the region's name (GB/T 2260)")
    region_code: str | None = Field(description="the unit's registered region, or the region's code")
    figures: FiguresOut

    @classmethod
    def of(cls, ranked: Ranked) -> RankedOut:
        figures = FiguresOut.of(ranked.figures)
        assert figures is not None
        return cls(key=ranked.key, name=ranked.name, region_code=ranked.region_code, figures=figures)


class ScoreboardOut(BaseModel):
    by: Literal["unit", "region"]
    region: str = Field(description="the region prefix counted (inside the caller's jurisdiction; '' all China)")
    digits: int = Field(description="by=region: the length of the codes grouped by (2, 4 or 6)")
    total: FiguresOut = Field(description="the figures of everything counted")
    items: list[RankedOut]
    next_cursor: str | None

    @classmethod
    def of(cls, by: Literal["unit", "region"], board: Scoreboard) -> ScoreboardOut:
        total = FiguresOut.of(board.total)
        assert total is not None
        return cls(
            by=by,
            region=board.region,
            digits=board.digits,
            total=total,
            items=[RankedOut.of(r) for r in board.items],
            next_cursor=board.next_cursor,
        )
