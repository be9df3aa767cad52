"""The statistics' SQL, on one connection: sums over the counters (``activity_counts``, a few rows per
region, day and value, kept by the facts projection), never an aggregate over the activities.

Two answers still read ``activity_facts``, within one campaign and its filters: the scoreboard per
unit (one group per organizer: as many groups as activities, nothing to gain from a counter) and the
local rules (a rule such as "names containing 食品安全" is any text a campaign configures).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, select

from shared.store import starts_with

from ..domain.statistics import REGIONAL, Board, Dimension, Filters, Measures, UnitMeasures
from ..projections.tallies import ALL, MEASURES, RECOMMENDED, decode
from ..service.ports import StatisticsReader
from .tables import (
    activity_counts,
    activity_facts,
    campaign_rules,
    notification_counts,
    registrations_per_minute,
    unit_recommendations,
)

f = activity_facts
k = activity_counts
DIGITS = {"province": 2, "city": 4, "county": 6}


def within(filters: Filters, dimension: str, *, daily: bool = False) -> list[ColumnElement[bool]]:
    """The counters of ``dimension`` that ``filters`` cover: the campaign, the region prefix, and either
    the roll-up of every day or (with a span of days, or ``daily``) the days of the span."""
    where = [k.c.campaign == filters.campaign, k.c.dimension == dimension]
    if filters.region:
        where.append(starts_with(k.c.region_code, filters.region))
    if daily or filters.date_from or filters.date_to:
        where.append(k.c.day != ALL)
        if filters.date_from:
            where.append(k.c.day >= filters.date_from.isoformat())
        if filters.date_to:
            where.append(k.c.day <= filters.date_to.isoformat())
    else:
        where.append(k.c.day == ALL)
    return where


def _counter_sums() -> list[Any]:
    return [func.sum(k.c[m]).label(m) for m in MEASURES]


def _group_key(by: str) -> Any:
    """The column a breakdown of the counters groups by."""
    if by in REGIONAL:
        return func.substr(k.c.region_code, 1, DIGITS[by])
    if by == "day":
        return k.c.day
    return k.c.value


def counted(filters: Filters) -> list[ColumnElement[bool]]:
    """The activities ``filters`` cover: registered (``version > 0``), not withdrawn, in the campaign,
    region prefix and span of start days."""
    where = [f.c.version > 0, f.c.withdrawn.is_(False), f.c.campaign == filters.campaign]
    if filters.region:
        where.append(starts_with(f.c.region_code, filters.region))
    if filters.date_from:
        where.append(f.c.day >= filters.date_from.isoformat())
    if filters.date_to:
        where.append(f.c.day <= filters.date_to.isoformat())
    return where


def _sums() -> list[Any]:
    return [
        func.count().label("activities"),
        func.sum(case((f.c.info_completed, 1), else_=0)).label("info_completed"),
        func.sum(f.c.science_workers).label("science_workers"),
        func.sum(f.c.checkins).label("checkins"),
        func.sum(f.c.feedback).label("feedback"),
        func.sum(f.c.rating_sum).label("rating_sum"),
        func.sum(f.c.online_works).label("online_works"),
    ]


def _measures(row: Any, key: str | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "activities": int(row.activities or 0),
        "info_completed": int(row.info_completed or 0),
        "science_workers": int(row.science_workers or 0),
        "checkins": int(row.checkins or 0),
        "feedback": int(row.feedback or 0),
        "rating_sum": int(row.rating_sum or 0),
        "online_works": int(row.online_works or 0),
    }


class SqlStatistics(StatisticsReader):
    """:class:`StatisticsReader` on a (synchronous, driver-thread) connection of the views' database."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def totals(self, filters: Filters) -> Measures:
        row = self.connection.execute(select(*_counter_sums()).where(*within(filters, ALL))).one()
        return Measures(**_measures(row))

    def grouped(self, filters: Filters, by: Dimension) -> list[Measures]:
        dimension = ALL if by in REGIONAL or by == "day" else by
        key = _group_key(by)
        query = (
            select(key.label("key"), *_counter_sums())
            .where(*within(filters, dimension, daily=by == "day"))
            .group_by(key)
            .having(func.sum(k.c.activities) > 0)
        )
        decoded = dimension != ALL
        return [Measures(**_measures(r, decode(r.key) if decoded else r.key)) for r in self.connection.execute(query)]

    def minutes(self, campaign: str, since: str | None, until: str | None, latest: int) -> list[tuple[str, int]]:
        t = registrations_per_minute
        query = select(t.c.minute, t.c.registrations).where(t.c.campaign == campaign)
        if since:
            query = query.where(t.c.minute >= since)
        if until:
            query = query.where(t.c.minute <= until)
        if since:
            rows = list(self.connection.execute(query.order_by(t.c.minute)))
        else:
            rows = list(self.connection.execute(query.order_by(t.c.minute.desc()).limit(latest)))[::-1]
        return [(m, int(n)) for m, n in rows]

    def recommended(self, filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
        query = select(k.c.value, func.sum(k.c.activities)).where(*within(filters, RECOMMENDED)).group_by(k.c.value)
        activities = {str(decode(value)): int(n) for value, n in self.connection.execute(query) if n}
        u = unit_recommendations
        units_query = select(u.c.level, func.count()).where(u.c.withdrawn.is_(False), u.c.campaign == filters.campaign)
        units = {lvl: int(n) for lvl, n in self.connection.execute(units_query.group_by(u.c.level))}
        return activities, units

    def notifications(self, campaign: str | None) -> list[tuple[str, str, str, int]]:
        t = notification_counts
        query = select(t.c.kind, t.c.channel, t.c.outcome, func.sum(t.c.messages)).group_by(
            t.c.kind, t.c.channel, t.c.outcome
        )
        if campaign is not None:
            query = query.where(t.c.campaign == campaign)
        return [(kind, channel, outcome, int(n)) for kind, channel, outcome, n in self.connection.execute(query)]

    def rules(self, campaign: str) -> tuple[list[dict[str, Any]], str | None]:
        c = campaign_rules.c
        stored = self.connection.execute(select(c.rules, c.region_code).where(c.campaign == campaign)).first()
        if stored is None:
            return [], None
        return json.loads(stored.rules or "[]"), stored.region_code or None

    def rule_matches(self, filters: Filters, rule: Mapping[str, Any], inside: str | None) -> list[tuple[str, int]]:
        where = [starts_with(f.c.region_code, inside)] if inside else []
        if rule["kind"] == "name_contains":
            matches = f.c.name.contains(rule["match"], autoescape=True)
        else:
            matches = f.c.category == rule["match"]
        key = f.c[rule["per"]]
        query = select(key, func.count()).where(*counted(filters), *where, matches).group_by(key).order_by(key)
        return [(code, int(n)) for code, n in self.connection.execute(query)]

    def units(self, filters: Filters, by: Board, limit: int) -> list[UnitMeasures]:
        if by == "unit":
            return self._units(filters, limit)
        key = _group_key(by)
        query = (
            select(key.label("key"), *_counter_sums())
            .where(*within(filters, ALL))
            .group_by(key)
            .having(func.sum(k.c.activities) > 0)
            .order_by(func.sum(k.c.activities).desc(), key)
            .limit(limit)
        )
        return [
            UnitMeasures(**_measures(r, r.key), recommended=int(r.recommended or 0), commended=int(r.commended or 0))
            for r in self.connection.execute(query)
        ]

    def _units(self, filters: Filters, limit: int) -> list[UnitMeasures]:
        """The scoreboard per unit: grouped from the campaign's facts (a group per organizer)."""
        key: Any = f.c.organizer_id
        extra = [
            func.sum(case((f.c.level.is_not(None), 1), else_=0)).label("recommended"),
            func.sum(case((f.c.commended, 1), else_=0)).label("commended"),
            func.max(f.c.organizer_name).label("unit_name"),
        ]
        query = select(key.label("key"), *_sums(), *extra).where(*counted(filters)).group_by(key)
        query = query.order_by(func.count().desc(), key).limit(limit)
        return [
            UnitMeasures(
                **_measures(r, r.key),
                recommended=int(r.recommended or 0),
                commended=int(r.commended or 0),
                unit_name=r.unit_name,
            )
            for r in self.connection.execute(query)
        ]

    def indicators(self, campaign: str) -> list[str]:
        stored = self.connection.scalar(
            select(campaign_rules.c.indicators).where(campaign_rules.c.campaign == campaign)
        )
        indicators: list[str] = json.loads(stored or "[]")
        return indicators
