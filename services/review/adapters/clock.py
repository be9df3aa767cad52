"""The system clock: UTC for row stamps, China's day for deadlines and the days in a history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..service.ports import Clock

CHINA = ZoneInfo("Asia/Shanghai")


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(CHINA).date()
