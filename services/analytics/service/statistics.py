"""Analytics' statistics, shaped from the aggregates of the views (:class:`.ports.StatisticsReader`).

Every answer is an aggregate over the precomputed views (one row per activity, counters), never a
scan of raw events; the reader sums, this module derives the rates, names the regions and orders.
"""

from __future__ import annotations

from typing import Any

from shared.regions import PackagedRegions

from ..domain.statistics import (
    DAY_OF_MINUTES,
    DIMENSIONS,
    LEVELS,
    REGIONAL,
    Board,
    Dimension,
    Filters,
)
from .ports import StatisticsReader

__all__ = ["DIMENSIONS", "Dimension", "Filters"]
_regions = PackagedRegions()


def region_name(code: str) -> str | None:
    return _regions.name(code) if code else None


def totals(reader: StatisticsReader, filters: Filters) -> dict[str, Any]:
    return reader.totals(filters).figures()


def breakdown(reader: StatisticsReader, filters: Filters, by: Dimension) -> list[dict[str, Any]]:
    """The measures per value of ``by`` (most activities first); multi-valued dimensions (themes,
    target groups) count an activity under each of its values."""
    rows = [{"key": m.key, **m.figures()} for m in reader.grouped(filters, by)]
    if by in REGIONAL:
        for row in rows:
            row["name"] = region_name(row["key"] or "")
    return sorted(rows, key=lambda r: (-r["activities"], str(r["key"])))


def per_minute(reader: StatisticsReader, campaign: str, since: str | None, until: str | None) -> list[dict[str, Any]]:
    """Registrations per China-time minute (``YYYY-MM-DDTHH:MM``), in order; without ``since``, the
    latest ``DAY_OF_MINUTES`` minutes that had registrations (up to ``until``)."""
    return [{"minute": m, "registrations": n} for m, n in reader.minutes(campaign, since, until, DAY_OF_MINUTES)]


def recommendations(reader: StatisticsReader, filters: Filters) -> dict[str, dict[str, int]]:
    """Recommendations (and endorsements) in force per level: of activities within the filters,
    and of units in the campaign."""
    activities, units = reader.recommended(filters)
    return {"activities": dict.fromkeys(LEVELS, 0) | activities, "units": dict.fromkeys(LEVELS, 0) | units}


def notifications(reader: StatisticsReader, campaign: str | None) -> list[dict[str, Any]]:
    """Messages sent and failed per kind and channel."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, channel, outcome, n in reader.notifications(campaign):
        out.setdefault((kind, channel), {"kind": kind, "channel": channel, "sent": 0, "failed": 0})[outcome] = n
    return [out[k] for k in sorted(out)]


def local_rules(reader: StatisticsReader, filters: Filters) -> list[dict[str, Any]]:
    """Each of the campaign's local rules (e.g. Weinan: names containing 食品安全, per county) with
    the matching activities per region of its level. A local campaign's rules count only activities
    inside its region: registration refuses others, but the log may hold some from before it did."""
    rules, inside = reader.rules(filters.campaign)
    out = []
    for rule in rules:
        regions: list[dict[str, Any]] = [
            {"code": code, "name": region_name(code), "activities": n}
            for code, n in reader.rule_matches(filters, rule, inside)
        ]
        out.append({**rule, "total": sum(r["activities"] for r in regions), "regions": regions})
    return out


def scoreboard(reader: StatisticsReader, filters: Filters, by: Board, limit: int) -> dict[str, Any]:
    """The indicator scoreboard: the campaign's indicators and, per unit or region, the figures they
    are judged by (activities, completion, science workers, check-ins, rating, recommended,
    commended), most activities first."""
    rows = []
    for m in reader.units(filters, by, limit):
        name = m.unit_name if by == "unit" else region_name(m.key or "")
        rows.append(
            {"key": m.key, "name": name, **m.figures(), "recommended": m.recommended} | {"commended": m.commended}
        )
    return {"indicators": reader.indicators(filters.campaign), "rows": rows}
