"""The dashboard's snapshot of a campaign (or of all campaigns): SQL aggregates over the views.

Every figure counts the activities that are registered (a facts row with ``version`` > 0: a row that
only other streams have mentioned so far is not counted) and not withdrawn; their tallies (science
workers, check-ins, feedback and ratings) and their recommendation levels are summed over the same
set, in one grouped scan of ``activity_facts``. Notifications and registrations per minute come from
their own counters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, desc, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.regions import PackagedRegions

from ..operations_dashboard.models import CategoryCount, Counters, MinuteCount, ProvinceCount, Snapshot
from .tables import activity_facts, notification_counts, registrations_per_minute

LEVELS = ("county", "city", "province", "national")
TOP = 10
MINUTES = 60

_regions = PackagedRegions()
f = activity_facts


def _counted(query: Select[Any], campaign: str | None) -> Select[Any]:
    """``query`` limited to the activities the dashboard counts (of ``campaign``, when given)."""
    query = query.where(f.c.version > 0, f.c.withdrawn.is_(False))
    return query if campaign is None else query.where(f.c.campaign == campaign)


def _sum(expression: Any) -> Any:
    return func.coalesce(func.sum(expression), 0)


@dataclass
class _Tally:
    """The activities' figures, rolled up from the grouped scan."""

    # activities, info completed, science workers, check-ins, feedback, rating sum
    counts: list[int] = field(default_factory=lambda: [0] * 6)
    levels: Counter[str] = field(default_factory=Counter)
    provinces: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)


async def _activities(connection: AsyncConnection, campaign: str | None) -> _Tally:
    """One scan of the counted activities, grouped by province, category and level (a few thousand
    groups at most), rolled up into the counters and the three breakdowns."""
    groups = (f.c.province, f.c.category, f.c.level)
    query = select(
        *groups,
        func.count(),
        _sum(case((f.c.info_completed.is_(True), 1), else_=0)),
        _sum(f.c.science_workers),
        _sum(f.c.checkins),
        _sum(f.c.feedback),
        _sum(f.c.rating_sum),
    ).group_by(*groups)
    tally = _Tally()
    for province, category, level, *figures in await connection.execute(_counted(query, campaign)):
        n = int(figures[0])
        tally.counts = [a + int(b) for a, b in zip(tally.counts, figures, strict=True)]
        tally.provinces[str(province)] += n
        if category is not None:
            tally.categories[str(category)] += n
        if level is not None:
            tally.levels[str(level)] += n
    return tally


async def _notifications(connection: AsyncConnection, campaign: str | None) -> dict[str, int]:
    n = notification_counts
    query = select(n.c.outcome, _sum(n.c.messages)).group_by(n.c.outcome)
    if campaign is not None:
        query = query.where(n.c.campaign == campaign)
    found = {str(outcome): int(total) for outcome, total in await connection.execute(query)}
    return {"sent": found.get("sent", 0), "failed": found.get("failed", 0)}


async def _per_minute(connection: AsyncConnection, campaign: str | None) -> list[MinuteCount]:
    """The last ``MINUTES`` minutes that have registrations, oldest first."""
    r = registrations_per_minute
    total = func.sum(r.c.registrations)
    query = select(r.c.minute, total).group_by(r.c.minute).order_by(desc(r.c.minute)).limit(MINUTES)
    if campaign is not None:
        query = query.where(r.c.campaign == campaign)
    rows = (await connection.execute(query)).all()
    return [MinuteCount(minute=str(minute), registrations=int(n)) for minute, n in reversed(rows)]


async def activity_snapshot(engine: AsyncEngine, campaign: str | None) -> Snapshot:
    """The snapshot's figures from the views (its ``operations`` are filled in by the caller)."""
    async with engine.connect() as connection:
        tally = await _activities(connection, campaign)
        notifications = await _notifications(connection, campaign)
        per_minute = await _per_minute(connection, campaign)
    activities, completed, workers, checkins, feedback, ratings = tally.counts
    counters = Counters(
        activities=activities,
        info_completed=completed,
        completion_rate=round(completed / activities, 4) if activities else 0.0,
        science_workers=workers,
        checkins=checkins,
        feedback=feedback,
        average_rating=round(ratings / feedback, 2) if feedback else None,
        notifications_sent=notifications["sent"],
        notifications_failed=notifications["failed"],
    )
    provinces = [
        ProvinceCount(code=code, name=_regions.name(code) or code, activities=n)
        for code, n in sorted(tally.provinces.items())
    ]
    categories = [
        CategoryCount(category=category, activities=n)
        for category, n in sorted(tally.categories.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    ]
    top_provinces = sorted(provinces, key=lambda p: (-p.activities, p.code))[:TOP]
    return Snapshot(
        campaign=campaign,
        counters=counters,
        recommendations={level: tally.levels[level] for level in LEVELS},
        registrations_per_minute=per_minute,
        provinces=provinces,
        top_provinces=top_provinces,
        top_categories=categories,
    )
