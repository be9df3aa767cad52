"""The bounded day and instant every API accepts (shared.web.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from shared.web.dates import FIRST_DAY, LAST_DAY, Day, Moment, moment_of


class Asked(BaseModel):
    day: Day | None = None
    at: Moment | None = None


@pytest.mark.parametrize("day", [FIRST_DAY, LAST_DAY, date(2026, 9, 15)])
def test_days_in_range_are_taken(day: date) -> None:
    assert Asked(day=day).day == day


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2200-01-01", "9999-12-31"])
def test_days_out_of_range_are_refused_naming_the_field(day: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Asked.model_validate({"day": day})
    (error,) = refused.value.errors()
    assert error["loc"] == ("day",) and "2000-01-01" in error["msg"]


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+08:00", "9999-12-31T20:00:00-05:00", "2200-01-01T00:00:00+00:00", "2026-09-15T09:00"]
)
def test_instants_out_of_range_or_without_a_zone_are_refused(at: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Asked.model_validate({"at": at})
    assert refused.value.errors()[0]["loc"] == ("at",)


def test_an_instant_at_the_ends_of_the_range_survives_any_zone_and_a_days_arithmetic() -> None:
    for moment in (
        datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(2199, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12))),
    ):
        taken = Asked(at=moment).at
        assert taken is not None
        shifted = taken.astimezone(UTC)  # would raise OverflowError were the range Python's own
        assert shifted - timedelta(days=1) < shifted + timedelta(days=1)


def test_a_cursors_instant_is_read_in_range_with_its_zone_or_not_at_all() -> None:
    assert moment_of("2026-09-15T09:00:00+08:00") == datetime(2026, 9, 15, 1, tzinfo=UTC)
    assert moment_of("2026-09-15T09:00:00") is None
    assert moment_of("2026-09-15T09:00:00", naive=True) == datetime(2026, 9, 15, 9)
    for bad in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-05:00", "yesterday", 17, None):
        assert moment_of(bad) is None
