"""The recommendation chain's rules in the domain: who acts, what each act makes of a recommendation."""

from __future__ import annotations

from datetime import date

import pytest

from services.review.domain import recommendations as decide
from services.review.domain.bodies import Body
from services.review.domain.chain import Chain
from services.review.domain.errors import NotEligible, OutsideJurisdiction, WrongState
from services.review.domain.recommendations import Eligibility, Recommendation, Step

TODAY = date(2026, 9, 20)
COUNTY, CITY, PROVINCE, NATION = (
    Body("county", "610502"),
    Body("city", "6105"),
    Body("province", "61"),
    Body("national"),
)


def chain(**rule: object) -> Chain:
    found = Chain.of("2026", {"recommendation": {"levels": ["county", "city"], "forward_to": "province", **rule}}, None)
    assert found is not None
    return found


def at(level: str, **fields: object) -> Recommendation:
    first = Step("recommended", "county", COUNTY.id, "好", TODAY)
    values: dict[str, object] = {"level": level, "history": (first,), **fields}
    return Recommendation("r", "2026", "activity", "a", "610502", (), COUNTY.id, **values)  # type: ignore[arg-type]


def test_endorsing_at_the_top_selects_it() -> None:
    moved, event = decide.endorse(at("city"), CITY, chain(), "同意", TODAY)
    assert (moved.level, moved.status) == ("province", "pending") and event.level == "city"
    selected, _ = decide.endorse(moved, PROVINCE, chain(), "入选", TODAY)
    assert (selected.level, selected.status, selected.version) == ("province", "selected", 3)


def test_only_the_waiting_level_inside_its_jurisdiction_acts() -> None:
    with pytest.raises(OutsideJurisdiction):
        decide.endorse(at("city"), PROVINCE, chain(), "同意", TODAY)
    with pytest.raises(OutsideJurisdiction):
        decide.decline(at("city"), Body("city", "6101"), chain(), "不", TODAY)
    with pytest.raises(WrongState):
        decide.endorse(at("city", status="declined"), CITY, chain(), "同意", TODAY)


def test_a_withdrawal_comes_before_anyone_above_acts() -> None:
    ended, _ = decide.withdraw(at("city"), COUNTY, None, TODAY)
    assert ended.status == "withdrawn"
    moved, _ = decide.endorse(at("city"), CITY, chain(), "同意", TODAY)
    with pytest.raises(WrongState):
        decide.withdraw(moved, COUNTY, None, TODAY)


def test_commending_is_the_commending_levels_once_each() -> None:
    selected = at("national", status="selected")
    crowned, event = decide.commend(selected, NATION, "优秀", TODAY, None)
    assert crowned.commended and event.level is None
    with pytest.raises(WrongState):
        decide.commend(crowned, NATION, "again", TODAY, None)
    with pytest.raises(OutsideJurisdiction):
        decide.commend(at("city"), CITY, None, TODAY, chain())  # the city has no right here
    by_city, event = decide.commend(at("province"), CITY, None, TODAY, chain(commending=["city", "national"]))
    assert by_city.commended and event.level == "city"
    with pytest.raises(NotEligible):
        decide.commend(at("city"), NATION, None, TODAY, None)  # not selected


def test_eligibility_lists_every_failing_condition() -> None:
    with pytest.raises(NotEligible) as refused:
        Eligibility(registered=False, approved=False, info_completed=True).require()
    assert "已登记" in refused.value.detail and "内容审核" in refused.value.detail
    Eligibility(registered=True, approved=True, info_completed=True).require()
