"""Quiet hours (no SMS 21:00–08:00 China time) and the retry schedule, at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notification.domain.delivery import CHINA, MAX_ATTEMPTS, allowed_from, retry_after


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((7, 59), (20, 8, 0)),
        ((8, 0), None),
        ((20, 59), None),
        ((21, 0), (21, 8, 0)),
        ((23, 30), (21, 8, 0)),
        ((0, 5), (20, 8, 0)),
    ],
)
def test_sms_waits_out_quiet_hours(local: tuple[int, int], expected: tuple[int, int, int] | None) -> None:
    moment = datetime(2026, 9, 20, *local, tzinfo=CHINA)
    allowed = allowed_from("sms", moment)
    if expected is None:
        assert allowed == moment
    else:
        day, hour, minute = expected
        assert allowed == datetime(2026, 9, day, hour, minute, tzinfo=CHINA)
        assert allowed.tzinfo == UTC


def test_email_and_inbox_are_never_held() -> None:
    night = datetime(2026, 9, 20, 23, 0, tzinfo=CHINA)
    assert allowed_from("email", night) == night == allowed_from("inbox", night)


def test_retries_back_off_then_stop() -> None:
    waits = [retry_after(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert all(w is not None and w <= timedelta(hours=1) for w in waits[:-1])
    assert waits[-1] is None


def test_quiet_hours_are_a_setting() -> None:
    from datetime import time

    from services.notification.domain.delivery import parse_quiet

    assert parse_quiet("21:00-08:00") == (time(21), time(8))
    assert parse_quiet("") is None
    night = datetime(2026, 9, 20, 23, 0, tzinfo=CHINA)
    assert allowed_from("sms", night, None) == night
    assert allowed_from("sms", night, parse_quiet("22:00-07:00")) == datetime(2026, 9, 21, 7, 0, tzinfo=CHINA)
