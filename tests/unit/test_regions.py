"""Region codes come from the packaged GB/T 2260 data set, and an activity must be held in one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from harness.factories import open_campaign
from services.registration.domain.activity import ActivityDetails, submit
from services.registration.domain.errors import RuleBroken
from shared.events.payloads.activities import ActivityRegistered
from shared.regions import PackagedRegions

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
    details = ActivityDetails(
        "社区科普讲座", "渭南市科协", starts, starts + timedelta(hours=2), "619999", address="社区"
    )
    with pytest.raises(RuleBroken) as refused:
        submit("a1", "u1", open_campaign(), details, REGIONS, datetime.now(UTC))
    assert refused.value.field == "region_code"
    accepted = submit("a1", "u1", open_campaign(), replace(details, region_code="610502"), REGIONS, datetime.now(UTC))
    assert isinstance(accepted.event, ActivityRegistered) and accepted.event.region_code == "610502"
