"""The dashboard's snapshot of a campaign (or of all campaigns): sums over the counters.

Every figure counts the activities that are registered and not withdrawn; their tallies (science
workers, check-ins, feedback and ratings) per province, per category and per highest level are sums
over the statistics' counters (``activity_counts``, the roll-up of every day), a few rows per region
and value, never a scan of ``activity_facts``. Notifications and registrations per minute come from
their own counters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, desc, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.regions import PackagedRegions

from ..operations_dashboard.models import CategoryCount, Counters, MinuteCount, ProvinceCount, Snapshot
from ..projections.tallies import ALL, MEASURES, decode
from .tables import activity_counts, notification_counts, registrations_per_minute

LEVELS = ("county", "city", "province", "national")
TOP = 10
MINUTES = 60

_regions = PackagedRegions()
k = activity_counts


def _sum(expression: Any) -> Any:
    return func.coalesce(func.sum(expression), 0)


@dataclass
class _Tally:
    """The activities' figures, from the counters."""

    # activities, info completed, science workers, check-ins, feedback, rating sum
    counts: list[int] = field(default_factory=lambda: [0] * 6)
    levels: Counter[str] = field(default_factory=Counter)
    provinces: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)


def _rolled_up(query: Select[Any], dimension: str, campaign: str | None) -> Select[Any]:
    """``query`` over the counters of ``dimension``, every day's roll-up (of ``campaign``, when given)."""
    query = query.where(k.c.dimension == dimension, k.c.day == ALL)
    return query if campaign is None else query.where(k.c.campaign == campaign)


async def _activities(connection: AsyncConnection, campaign: str | None) -> _Tally:
    """The counters per province (all activities), per category and per highest level, rolled up."""
    province = func.substr(k.c.region_code, 1, 2)
    figures = [_sum(k.c[m]) for m in MEASURES[:6]]
    query = _rolled_up(select(province, *figures), ALL, campaign).group_by(province)
    tally = _Tally()
    for code, *sums in await connection.execute(query):
        tally.counts = [a + int(b) for a, b in zip(tally.counts, sums, strict=True)]
        if int(sums[0]):
            tally.provinces[str(code)] += int(sums[0])
    for dimension, into in (("category", tally.categories), ("level", tally.levels)):
        query = _rolled_up(select(k.c.value, _sum(k.c.activities)), dimension, campaign).group_by(k.c.value)
        for value, n in await connection.execute(query):
            if value and int(n):
                into[str(decode(value))] += int(n)
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
