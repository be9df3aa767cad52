"""When a message may be sent, and what to do after a failed attempt.

- **Quiet hours**: no SMS between 21:00 and 08:00 China time; such a message waits until 08:00.
  E-mail and the in-app inbox are not held.
- **Retries**: a transient failure is tried again after 30 s, 1, 2, 4 … minutes (capped at one hour)
  and at most :data:`MAX_ATTEMPTS` times in all; then, and at once after a permanent failure, the
  message is failed with its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
Quiet = tuple[time, time] | None  # (from, until) China time, across midnight; None: never quiet
QUIET_HOURS: Quiet = (QUIET_FROM, QUIET_UNTIL)
MAX_ATTEMPTS = 8
State = Literal["queued", "sending", "sent", "delivered", "failed", "cancelled"]


def allowed_from(channel: str, moment: datetime, quiet: Quiet = QUIET_HOURS) -> datetime:
    """The earliest moment at or after ``moment`` when ``channel`` may deliver (in UTC when put off)."""
    if channel != "sms" or quiet is None:
        return moment
    starts, ends = quiet
    local = moment.astimezone(CHINA)
    if ends <= local.time() < starts:
        return moment
    day = local.date() if local.time() < ends else local.date() + timedelta(days=1)
    return datetime.combine(day, ends, tzinfo=CHINA).astimezone(UTC)  # stored as UTC on every backend


def parse_quiet(text: str) -> Quiet:
    """``"21:00-08:00"`` (China time); an empty text means no quiet hours (test and load runs)."""
    if not text.strip():
        return None
    starts, _, ends = text.partition("-")
    return time.fromisoformat(starts.strip()), time.fromisoformat(ends.strip())


def retry_after(attempts: int) -> timedelta | None:
    """How long to wait after ``attempts`` failed tries; None when no try is left."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(timedelta(seconds=30) * (2 ** (attempts - 1)), timedelta(hours=1))
