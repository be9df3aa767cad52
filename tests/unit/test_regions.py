"""Region codes come from the packaged GB/T 2260 data set, and an activity must be held in one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.registration.adapters.regions import PackagedRegions
from services.registration.domain.activity import RegisterActivity, register
from services.registration.domain.rules import RuleBroken

REGIONS = PackagedRegions()


@pytest.mark.parametrize(
    ("code", "name"),
    [("61", "陕西省"), ("6105", "渭南市"), ("610502", "临渭区"), ("11", "北京市"), ("110105", "朝阳区")],
)
def test_known_divisions_at_every_level(code: str, name: str) -> None:
    assert REGIONS.exists(code) and REGIONS.name(code) == name


@pytest.mark.parametrize("code", ["99", "6199", "619999", "6105021", "", "资料暂缺"])
def test_unknown_or_malformed_codes_do_not_exist(code: str) -> None:
    assert not REGIONS.exists(code)


def test_every_province_and_thousands_of_divisions_are_loaded() -> None:
    provinces = [code for code in REGIONS._names if len(code) == 2]
    assert len(provinces) >= 31 and len(REGIONS._names) > 3000


def test_an_activity_in_a_division_that_does_not_exist_is_refused() -> None:
    starts = datetime.now(UTC) + timedelta(days=3)
    command = RegisterActivity("社区科普讲座", "渭南市科协", "619999", starts, starts + timedelta(hours=2))
    with pytest.raises(RuleBroken) as refused:
        register("a1", command, REGIONS)
    assert refused.value.field == "region_code"
    accepted = register(
        "a1", RegisterActivity("社区科普讲座", "渭南市科协", "610502", starts, starts + timedelta(hours=2)), REGIONS
    )
    assert accepted.region_code == "610502"
