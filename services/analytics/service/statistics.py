"""Analytics' read side for the views of :mod:`.projections.facts` and :mod:`.projections.counters`.

Every answer is an aggregate over the precomputed views (one row per activity, counters), never a
scan of raw events. An activity counts once it is registered (``version > 0``) and while it is not
withdrawn; ``Filters`` narrow it to a campaign, a region prefix (province 2, city 4, county 6
digits) and a range of start days (China time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, case, func, select

from shared.regions import PackagedRegions

from ..adapters.tables import (
    activity_facts,
    activity_recommendations,
    activity_targets,
    activity_themes,
    campaign_rules,
    notification_counts,
    registrations_per_minute,
    unit_recommendations,
)

f = activity_facts
Dimension = Literal[
    "province",
    "city",
    "county",
    "category",
    "joint_action",
    "programme",
    "theme",
    "target_group",
    "format",
    "day",
    "level",
    "review",
]
DIMENSIONS: tuple[Dimension, ...] = (
    "province",
    "city",
    "county",
    "category",
    "joint_action",
    "programme",
    "theme",
    "target_group",
    "format",
    "day",
    "level",
    "review",
)
REGIONAL = ("province", "city", "county")
LEVELS = ("county", "city", "province", "national")
DAY_OF_MINUTES = 1440
_regions = PackagedRegions()


@dataclass(frozen=True)
class Filters:
    campaign: str
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def where(self) -> list[ColumnElement[bool]]:
        where = [f.c.version > 0, f.c.withdrawn.is_(False), f.c.campaign == self.campaign]
        if self.region:
            where.append(f.c.region_code.startswith(self.region, autoescape=True))
        if self.date_from:
            where.append(f.c.day >= self.date_from.isoformat())
        if self.date_to:
            where.append(f.c.day <= self.date_to.isoformat())
        return where


def _measures() -> list[Any]:
    return [
        func.count().label("activities"),
        func.sum(case((f.c.info_completed, 1), else_=0)).label("info_completed"),
        func.sum(f.c.science_workers).label("science_workers"),
        func.sum(f.c.checkins).label("checkins"),
        func.sum(f.c.feedback).label("feedback"),
        func.sum(f.c.rating_sum).label("rating_sum"),
        func.sum(f.c.online_works).label("online_works"),
    ]


def _figures(row: Any) -> dict[str, Any]:
    """The measures of one group, with the completion rate and the average rating derived."""
    n, feedback = int(row.activities or 0), int(row.feedback or 0)
    return {
        "activities": n,
        "info_completed": int(row.info_completed or 0),
        "completion_rate": round(int(row.info_completed or 0) / n, 4) if n else None,
        "science_workers": int(row.science_workers or 0),
        "checkins": int(row.checkins or 0),
        "feedback": feedback,
        "rating_avg": round(int(row.rating_sum or 0) / feedback, 2) if feedback else None,
        "online_works": int(row.online_works or 0),
    }


def region_name(code: str) -> str | None:
    return _regions.name(code) if code else None


def totals(connection: Connection, filters: Filters) -> dict[str, Any]:
    row = connection.execute(select(*_measures()).where(*filters.where())).one()
    return _figures(row)


def breakdown(connection: Connection, filters: Filters, by: Dimension) -> list[dict[str, Any]]:
    """The measures per value of ``by`` (most activities first); multi-valued dimensions (themes,
    target groups) count an activity under each of its values."""
    if by == "theme":
        key: Any = activity_themes.c.theme
        source: Any = f.join(activity_themes, activity_themes.c.activity_id == f.c.activity_id)
    elif by == "target_group":
        key = activity_targets.c.target_group
        source = f.join(activity_targets, activity_targets.c.activity_id == f.c.activity_id)
    else:
        key, source = f.c[by], f
    query = select(key.label("key"), *_measures()).select_from(source).where(*filters.where()).group_by(key)
    rows = [{"key": r.key, **_figures(r)} for r in connection.execute(query)]
    if by in REGIONAL:
        for row in rows:
            row["name"] = region_name(row["key"] or "")
    return sorted(rows, key=lambda r: (-r["activities"], str(r["key"])))


def per_minute(connection: Connection, campaign: str, since: str | None, until: str | None) -> list[dict[str, Any]]:
    """Registrations per China-time minute (``YYYY-MM-DDTHH:MM``), in order; without ``since``, the
    latest ``DAY_OF_MINUTES`` minutes that had registrations (up to ``until``)."""
    t = registrations_per_minute
    query = select(t.c.minute, t.c.registrations).where(t.c.campaign == campaign)
    if since:
        query = query.where(t.c.minute >= since)
    if until:
        query = query.where(t.c.minute <= until)
    if since:
        rows = list(connection.execute(query.order_by(t.c.minute)))
    else:
        rows = list(connection.execute(query.order_by(t.c.minute.desc()).limit(DAY_OF_MINUTES)))[::-1]
    return [{"minute": m, "registrations": int(n)} for m, n in rows]


def recommendations(connection: Connection, filters: Filters) -> dict[str, dict[str, int]]:
    """Recommendations (and endorsements) in force per level: of activities within the filters,
    and of units in the campaign."""
    r = activity_recommendations
    joined = r.join(f, f.c.activity_id == r.c.activity_id)
    query = select(r.c.level, func.count()).select_from(joined).where(r.c.withdrawn.is_(False), *filters.where())
    activities = dict.fromkeys(LEVELS, 0) | {lvl: int(n) for lvl, n in connection.execute(query.group_by(r.c.level))}
    u = unit_recommendations
    units_query = select(u.c.level, func.count()).where(u.c.withdrawn.is_(False), u.c.campaign == filters.campaign)
    units = dict.fromkeys(LEVELS, 0) | {lvl: int(n) for lvl, n in connection.execute(units_query.group_by(u.c.level))}
    return {"activities": activities, "units": units}


def notifications(connection: Connection, campaign: str | None) -> list[dict[str, Any]]:
    """Messages sent and failed per kind and channel."""
    t = notification_counts
    query = select(t.c.kind, t.c.channel, t.c.outcome, func.sum(t.c.messages)).group_by(
        t.c.kind, t.c.channel, t.c.outcome
    )
    if campaign is not None:
        query = query.where(t.c.campaign == campaign)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, channel, outcome, n in connection.execute(query):
        out.setdefault((kind, channel), {"kind": kind, "channel": channel, "sent": 0, "failed": 0})[outcome] = int(n)
    return [out[k] for k in sorted(out)]


def local_rules(connection: Connection, filters: Filters) -> list[dict[str, Any]]:
    """Each of the campaign's local rules (e.g. Weinan: names containing 食品安全, per county) with
    the matching activities per region of its level. A local campaign's rules count only activities
    inside its region: registration refuses others, but the log may hold some from before it did."""
    c = campaign_rules.c
    stored = connection.execute(select(c.rules, c.region_code).where(c.campaign == filters.campaign)).first()
    inside = [f.c.region_code.startswith(stored.region_code, autoescape=True)] if stored and stored.region_code else []
    out = []
    for rule in json.loads(stored.rules if stored else "[]"):
        column = f.c.name if rule["kind"] == "name_contains" else f.c.category
        matches = (
            column.contains(rule["match"], autoescape=True)
            if rule["kind"] == "name_contains"
            else column == rule["match"]
        )
        key = f.c[rule["per"]]
        query = select(key, func.count()).where(*filters.where(), *inside, matches).group_by(key).order_by(key)
        regions = [
            {"code": code, "name": region_name(code), "activities": int(n)} for code, n in connection.execute(query)
        ]
        out.append({**rule, "total": sum(r["activities"] for r in regions), "regions": regions})
    return out


def scoreboard(
    connection: Connection, filters: Filters, by: Literal["unit", "province", "city", "county"], limit: int
) -> dict[str, Any]:
    """The indicator scoreboard: the campaign's indicators and, per unit or region, the figures they
    are judged by (activities, completion, science workers, check-ins, rating, recommended,
    commended), most activities first."""
    key: Any = f.c.organizer_id if by == "unit" else f.c[by]
    extra = [
        func.sum(case((f.c.level.is_not(None), 1), else_=0)).label("recommended"),
        func.sum(case((f.c.commended, 1), else_=0)).label("commended"),
        func.max(f.c.organizer_name).label("unit_name"),
    ]
    query = select(key.label("key"), *_measures(), *extra).where(*filters.where()).group_by(key)
    query = query.order_by(func.count().desc(), key).limit(limit)
    rows = []
    for r in connection.execute(query):
        name = r.unit_name if by == "unit" else region_name(r.key or "")
        rows.append(
            {"key": r.key, "name": name, **_figures(r), "recommended": int(r.recommended or 0)}
            | {"commended": int(r.commended or 0)}
        )
    stored = connection.scalar(select(campaign_rules.c.indicators).where(campaign_rules.c.campaign == filters.campaign))
    return {"indicators": json.loads(stored or "[]"), "rows": rows}
