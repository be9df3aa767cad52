"""Schemas of indicator scores: each indicator's measure, weight and 0–100 score, and the composite."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.events.payloads.campaigns import Measure

from ..domain.scoring import DEFINITIONS, Score, Weighted
from ..service.indicator_scores import ScoreBoard, Scored


class MeasureScoreOut(BaseModel):
    indicator: str = Field(description="the campaign's indicator (考核指标), e.g. 组织动员")
    measure: Measure = Field(description="the measure computing it (docs/review.md, Indicator scores)")
    weight: float = Field(description="its weight in the composite")
    value: float = Field(description="the measure's value (a count, or a rate 0–1 for info_service)")
    best: float = Field(description="the best value in the compared set")
    score: float = Field(description="100 × value / best (0–100; 0 when the best is 0)")


class ScoreOut(BaseModel):
    """A unit's or region's indicator scores; composite = Σ weight × score / Σ weight (0–100)."""

    measures: list[MeasureScoreOut]
    composite: float

    @classmethod
    def of(cls, score: Score | None) -> ScoreOut | None:
        if score is None:
            return None
        measures = [MeasureScoreOut(**m.__dict__) for m in score.measures]
        return cls(measures=measures, composite=score.composite)


class WeightOut(BaseModel):
    indicator: str
    measure: Measure
    label: str = Field(description="the measure's Chinese name")
    definition: str = Field(description="what the measure counts, in Chinese")
    weight: float

    @classmethod
    def of(cls, weighted: Weighted) -> WeightOut:
        d = DEFINITIONS[weighted.measure]
        return cls(
            indicator=weighted.indicator,
            measure=weighted.measure,
            label=d.label,
            definition=d.explained,
            weight=weighted.weight,
        )


class ScoredOut(BaseModel):
    key: str = Field(description="unit id, or the region's code")
    name: str | None = Field(description="unit name, or the region's name (GB/T 2260)")
    region_code: str | None
    activities: int = Field(description="registered activities counted")
    score: ScoreOut

    @classmethod
    def of(cls, scored: Scored) -> ScoredOut:
        score = ScoreOut.of(scored.score)
        assert score is not None
        return cls(
            key=scored.key,
            name=scored.name,
            region_code=scored.region_code,
            activities=scored.figures.activities,
            score=score,
        )


class ScoreBoardOut(BaseModel):
    campaign: str
    title: str
    by: Literal["unit", "region"]
    region: str = Field(description="the region prefix compared ('' all China)")
    digits: int = Field(description="by=region: the length of the codes grouped by (2, 4 or 6)")
    indicators: list[WeightOut] = Field(description="the campaign's indicators, their measures and weights")
    total: int = Field(description="units or regions in the compared set")
    items: list[ScoredOut] = Field(description="the highest composite first")
    next_cursor: str | None

    @classmethod
    def of(
        cls, campaign: str, by: Literal["unit", "region"], board: ScoreBoard, next_cursor: str | None
    ) -> ScoreBoardOut:
        return cls(
            campaign=campaign,
            title=board.title,
            by=by,
            region=board.region,
            digits=board.digits,
            indicators=[WeightOut.of(w) for w in board.weights],
            total=board.total,
            items=[ScoredOut.of(s) for s in board.items],
            next_cursor=next_cursor,
        )
