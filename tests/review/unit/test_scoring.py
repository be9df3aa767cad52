"""Indicator scores in the domain: each measure's definition, the normalisation and the composite."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.review.domain.scoring import (
    DEFINITIONS,
    Tallies,
    Weighted,
    bests_of,
    scaled,
    score,
    value,
    weighting,
)
from shared.events.payloads.campaigns import MEASURES, IndicatorWeight, check_indicator_weights

UNIT = Tallies(
    activities=4,
    units=1,
    co_organizers=3,
    online_activities=2,
    joint_action_activities=1,
    science_workers=12,
    news_links=5,
    participation=40,
    rating_sum=9,  # e.g. one 5-star and one 4-star rating
    info_completed=3,
)


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("mobilisation", 4.0),  # units taking part: the unit itself and the 3 co-organizers it names
        ("scale", 4.0),  # registered activities
        ("publicity", 5.0),  # news links
        ("volunteering", 12.0),  # science workers
        ("joint_actions", 1.0),  # activities in a joint action or with co-organizers
        ("online", 2.0),  # online activities
        ("info_service", 0.75),  # 3 of 4 completed
        ("public_evaluation", 41.8),  # 40 check-ins + 9 stars / 5
    ],
)
def test_each_measure_is_defined_from_the_sums(measure: str, expected: float) -> None:
    assert value(measure, UNIT) == pytest.approx(expected)  # type: ignore[arg-type]


def test_every_measure_has_a_chinese_definition_and_the_catalog_knows_them_all() -> None:
    assert tuple(DEFINITIONS) == MEASURES
    assert all(d.label and d.explained for d in DEFINITIONS.values())


def test_a_rate_over_no_activities_is_zero_not_an_error() -> None:
    assert value("info_service", Tallies()) == 0.0
    assert value("public_evaluation", Tallies()) == 0.0


def test_each_measure_is_scaled_against_the_best_in_the_compared_set() -> None:
    assert scaled(5, 10) == 50.0
    assert scaled(10, 10) == 100.0
    assert scaled(0, 0) == 0.0  # nobody scores: everybody 0, never a division by zero
    small, big = Tallies(activities=1, units=1), Tallies(activities=4, units=1, co_organizers=1)
    assert bests_of([small, big], ["scale", "mobilisation"]) == {"scale": 4.0, "mobilisation": 2.0}


def test_the_composite_is_the_weighted_mean_of_the_scaled_measures() -> None:
    weights = [Weighted("组织动员", "mobilisation", 3), Weighted("数量规模", "scale", 1)]
    small = Tallies(activities=1, units=1)
    big = Tallies(activities=4, units=1, co_organizers=1)
    bests = bests_of([small, big], ["mobilisation", "scale"])
    scored = score(small, bests, weights)
    assert [(m.indicator, m.value, m.best, m.score) for m in scored.measures] == [
        ("组织动员", 1.0, 2.0, 50.0),
        ("数量规模", 1.0, 4.0, 25.0),
    ]
    assert scored.composite == 43.8  # (3 × 50 + 1 × 25) / 4 = 43.75, on one decimal
    assert score(big, bests, weights).composite == 100.0
    assert score(small, bests, [*weights[:1], Weighted("数量规模", "scale", 0)]).composite == 50.0  # weight 0: ignored


def test_a_campaign_without_weights_weighs_its_indicators_usual_measures_equally() -> None:
    assert weighting(["组织动员", "数量规模", "自定义指标"], None) == (
        Weighted("组织动员", "mobilisation", 1.0),
        Weighted("数量规模", "scale", 1.0),
    )
    assert [w.measure for w in weighting([], None)] == list(MEASURES)  # nothing named: every measure
    configured = [Weighted("社会动员", "mobilisation", 2.0)]
    assert weighting(["社会动员"], configured) == tuple(configured)


def test_weights_that_make_no_sense_are_refused_with_a_chinese_message() -> None:
    good = [IndicatorWeight(indicator="组织动员", measure="mobilisation", weight=1)]
    check_indicator_weights(["组织动员"], good)  # no error
    with pytest.raises(ValueError, match="至少一项须大于 0"):
        check_indicator_weights(["组织动员"], [IndicatorWeight(indicator="组织动员", measure="mobilisation", weight=0)])
    with pytest.raises(ValueError, match="“数量规模”没有权重"):
        check_indicator_weights(["组织动员", "数量规模"], good)
    with pytest.raises(ValueError, match="不是本年度的考核指标"):
        check_indicator_weights([], good)
    with pytest.raises(ValueError, match="重复"):
        check_indicator_weights(["组织动员"], good * 2)
    with pytest.raises(ValidationError):
        IndicatorWeight(indicator="组织动员", measure="mobilisation", weight=-1)
    with pytest.raises(ValidationError):
        IndicatorWeight(indicator="组织动员", measure="mobilisation", weight=float("inf"))
