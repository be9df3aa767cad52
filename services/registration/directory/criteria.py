"""What a directory search asks for, and what it finds: plain values, no SQL, no HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from ..domain.campaign import CHINA
from .geo import Circle
from .search import Term

Format = Literal["offline", "online", "both"]
When = Literal["today", "weekend"]
# "offline" finds every activity one can attend in person, so also those held both ways; likewise
# "online"; "both" finds only those held both ways.
FORMATS_MATCHING: dict[str, tuple[str, ...]] = {
    "offline": ("offline", "both"),
    "online": ("online", "both"),
    "both": ("both",),
}


@dataclass(frozen=True, slots=True)
class ByStart:
    """A place in the default order: start time, then activity id."""

    starts_at: datetime
    activity_id: str


@dataclass(frozen=True, slots=True)
class ByDistance:
    """A place in the near-me order: squared chord from the centre (see geo.py), then activity id."""

    chord_squared: float
    activity_id: str


@dataclass(frozen=True)
class Criteria:
    """A search: every given filter must hold; ``date_from``/``date_to`` are China calendar days.

    The date range finds activities that overlap it (they end after ``date_from`` begins and start
    before ``date_to`` ends). ``region`` is a GB/T 2260 prefix: a province, a city or a county.
    """

    terms: tuple[Term, ...] = ()
    region: str | None = None
    campaign_id: str | None = None
    category: str | None = None
    programme: str | None = None
    theme: str | None = None
    target_group: str | None = None
    format: Format | None = None
    date_from: date | None = None
    date_to: date | None = None
    key_activity: bool | None = None
    near: Circle | None = None
    limit: int = 20
    after: ByStart | ByDistance | None = None

    @property
    def ends_after(self) -> datetime | None:
        return china_midnight(self.date_from) if self.date_from else None

    @property
    def starts_before(self) -> datetime | None:
        return china_midnight(self.date_to + timedelta(days=1)) if self.date_to else None


def days_of(when: When, today: date) -> tuple[date, date]:
    """The China calendar days ``when`` names, seen on ``today``: today alone, or this weekend (this
    week's Saturday and Sunday; on a Sunday, the day itself)."""
    if when == "today":
        return today, today
    saturday = today + timedelta(days=5 - today.weekday())
    sunday = saturday + timedelta(days=1)
    return (today, today) if today.weekday() == 6 else (saturday, sunday)


def china_midnight(day: date) -> datetime:
    """The start of a China calendar day, in UTC."""
    return datetime.combine(day, time(), CHINA).astimezone(UTC)


@dataclass(frozen=True)
class Found:
    """An activity as the directory answers it."""

    activity_id: str
    listing: Mapping[str, Any]  # the stored JSON of its Listing, parsed but not validated again (hot path)
    check_ins: int
    ratings: int
    rating_sum: int
    position: tuple[float, float] | None = None
    distance_km: float | None = None
    place: ByStart | ByDistance | None = None

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_sum / self.ratings, 2) if self.ratings else None


@dataclass(frozen=True)
class Page:
    """One page of results; ``after`` continues it, None at the end."""

    items: list[Found]
    after: ByStart | ByDistance | None
