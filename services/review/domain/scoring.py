"""Indicator scores: each of a campaign's indicators (考核指标) as a defined measure, and a composite.

The 2020 and 2022 notices judge organisers on named indicators (社会动员, 数量规模, 宣传工作…) without
defining them. Each becomes one of the measures below, computed from review's view of the campaign's
registered activities (the sums in :class:`Tallies`), each a ratio of sums so that the same definition
serves one unit, one region and SQL's ``max`` over a compared set (``indicators.py``).

Normalisation: a measure's value is scaled 0–100 against the best value in the compared set (the
units, or the regions of one level, in the reviewer's jurisdiction): ``100 × value / best``, 0 when
the best is 0. The composite is the weighted mean of the scaled values, ``Σ wᵢ·sᵢ / Σ wᵢ``, so it is
0–100 too and only the weights' ratios count. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.events.payloads.campaigns import Measure

Sum = Literal[
    "activities",
    "units",
    "co_organizers",
    "online_activities",
    "joint_action_activities",
    "science_workers",
    "news_links",
    "participation",
    "rating_sum",
    "info_completed",
]


@dataclass(frozen=True)
class Tallies:
    """The sums over a set of registered activities (one unit's, one region's) that measures read."""

    activities: int = 0
    units: int = 0  # distinct organizer units holding them
    co_organizers: int = 0  # co-organizing units the activities name (协办单位)
    online_activities: int = 0  # format online or both
    joint_action_activities: int = 0  # in a campaign joint action, or with co-organizers
    science_workers: int = 0
    news_links: int = 0  # news links given at info completion
    participation: int = 0  # public check-ins
    rating_sum: int = 0  # the stars of every public rating (1–5 each)
    info_completed: int = 0

    def get(self, name: Sum) -> int:
        value: int = getattr(self, name)
        return value


@dataclass(frozen=True)
class Definition:
    """A measure: ``Σ coefficient × sum`` over the activities, divided by ``per`` when given."""

    label: str
    explained: str
    terms: tuple[tuple[Sum, float], ...]
    per: Sum | None = None


DEFINITIONS: dict[Measure, Definition] = {
    "mobilisation": Definition(
        "组织动员", "参与单位数：举办单位数 + 活动所列协办单位数", (("units", 1), ("co_organizers", 1))
    ),
    "scale": Definition("数量规模", "登记（未撤回）的活动数", (("activities", 1),)),
    "publicity": Definition("宣传", "信息完善时提交的新闻报道链接数", (("news_links", 1),)),
    "volunteering": Definition("科技志愿", "参与活动的科技工作者人数", (("science_workers", 1),)),
    "joint_actions": Definition(
        "联合行动", "属于本年度某项联合行动或列有协办单位的活动数", (("joint_action_activities", 1),)
    ),
    "online": Definition("网络活动", "线上或线上线下结合的活动数", (("online_activities", 1),)),
    "info_service": Definition(
        "信息服务", "信息完善率：已完善信息的活动数 ÷ 活动数", (("info_completed", 1),), "activities"
    ),
    "public_evaluation": Definition(
        "公众评价",
        "公众打卡人次 + 评价星数 ÷ 5（一条五星评价计 1，一星计 0.2）",
        (("participation", 1), ("rating_sum", 0.2)),
    ),
}

# The indicators' names in the notices (2020, 2022, Weinan), for a campaign that names indicators
# but sets no weights: each its usual measure, all with equal weight.
USUAL_MEASURES: dict[str, Measure] = {
    "社会动员": "mobilisation",
    "组织动员": "mobilisation",
    "数量规模": "scale",
    "宣传工作": "publicity",
    "品牌宣传": "publicity",
    "科技志愿服务": "volunteering",
    "科技志愿": "volunteering",
    "联合行动组织实施": "joint_actions",
    "联合行动": "joint_actions",
    "网络活动": "online",
    "网络活动话题协同": "online",
    "活动信息服务": "info_service",
    "公众评价情况": "public_evaluation",
}


@dataclass(frozen=True)
class Weighted:
    """One indicator of the campaign: its name, the measure computing it and its weight."""

    indicator: str
    measure: Measure
    weight: float


def weighting(indicators: Sequence[str], configured: Sequence[Weighted] | None) -> tuple[Weighted, ...]:
    """The campaign's weighted indicators: as configured; else each named indicator's usual measure,
    equal weights; else (no indicator known) every measure, equal weights, under its own label."""
    if configured:
        return tuple(configured)
    usual = tuple(Weighted(name, USUAL_MEASURES[name], 1.0) for name in indicators if name in USUAL_MEASURES)
    return usual or tuple(Weighted(d.label, m, 1.0) for m, d in DEFINITIONS.items())


def value(measure: Measure, tallies: Tallies) -> float:
    """A measure's value over ``tallies`` (a rate is 0 over no activities)."""
    definition = DEFINITIONS[measure]
    total = sum(coefficient * tallies.get(name) for name, coefficient in definition.terms)
    if definition.per is None:
        return float(total)
    per = tallies.get(definition.per)
    return total / per if per else 0.0


def scaled(raw: float, best: float) -> float:
    """``raw`` as 0–100 against the best in the compared set (0 when nobody scores)."""
    return round(min(100.0, 100.0 * raw / best), 1) if best > 0 else 0.0


@dataclass(frozen=True)
class MeasureScore:
    indicator: str
    measure: Measure
    weight: float
    value: float
    best: float
    score: float


@dataclass(frozen=True)
class Score:
    """A unit's or region's measures, each scaled, and their weighted composite (0–100)."""

    measures: tuple[MeasureScore, ...]
    composite: float


def score(tallies: Tallies, bests: Mapping[Measure, float], weights: Sequence[Weighted]) -> Score:
    """Score ``tallies`` against ``bests`` (each measure's best value in the compared set)."""
    measures = []
    for w in weights:
        raw, best = value(w.measure, tallies), bests.get(w.measure, 0.0)
        measures.append(
            MeasureScore(w.indicator, w.measure, w.weight, round(raw, 4), round(best, 4), scaled(raw, best))
        )
    return Score(tuple(measures), composite(measures))


def composite(measures: Sequence[MeasureScore]) -> float:
    """The weighted mean of the scaled measures, ``Σ wᵢ·sᵢ / Σ wᵢ`` (0 when every weight is 0)."""
    total = sum(m.weight for m in measures)
    return round(sum(m.weight * m.score for m in measures) / total, 1) if total > 0 else 0.0


def bests_of(sets: Sequence[Tallies], measures: Sequence[Measure]) -> dict[Measure, float]:
    """Each measure's best value over ``sets`` (the compared set held in memory)."""
    return {m: max((value(m, t) for t in sets), default=0.0) for m in measures}
