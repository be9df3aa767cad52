"""When a message may be sent, and what to do after a failed attempt.

- **Quiet hours**: no SMS between 21:00 and 08:00 China time; such a message waits until 08:00.
  E-mail and the in-app inbox are not held, nor a message the person is waiting for (:data:`AWAITED_KINDS`).
- **When it goes**: a queued message says when at the earliest (:func:`not_before`), and every state
  has a text for people (:func:`status_text`).
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
# Messages the person is waiting for, having just asked: never held for quiet hours, never stopped by an
# opt-out (which is from notices, not from a code one asks for).
AWAITED_KINDS = frozenset({"password_reset"})
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


def not_before(state: str, channel: str, due: datetime, now: datetime, quiet: Quiet = QUIET_HOURS) -> datetime | None:
    """When a queued message will go at the earliest (China time); None for any other state."""
    if state != "queued":
        return None
    return allowed_from(channel, max(_utc(due), now), quiet).astimezone(CHINA)


def status_text(state: str, when: datetime | None, now: datetime, attempts: int, error: str | None) -> str:
    """What a person reads about a message's state, in Chinese."""
    if state == "queued" and when is not None and when > now:
        at = f"{when.astimezone(CHINA):%Y-%m-%d %H:%M}（北京时间）"
        if attempts and error:
            return f"发送暂时失败（{error}），将于 {at} 重试"
        return f"夜间免打扰时段，将于 {at} 发送"
    if state == "failed":
        return f"发送失败：{error or '原因未知'}"
    if state == "cancelled":
        return f"已取消：{error or '不再发送'}"
    return STATE_TEXTS.get(state, state)


STATE_TEXTS = {"queued": "排队中，即将发送", "sending": "发送中", "sent": "已发送，等待送达回执", "delivered": "已送达"}


def _utc(moment: datetime) -> datetime:
    """A stored moment as UTC (SQLite gives datetimes back without their zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
