"""The exports' SQL: the rows an export filter covers, and the query of each export table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from ..exports.filters import ExportFilter
from ..exports.values import UNCATEGORISED
from .tables import activity_facts

a = activity_facts


def conditions(wanted: ExportFilter) -> list[ColumnElement[bool]]:
    """The rows it covers: registered, never withdrawn, in the campaign, region and span."""
    found: list[ColumnElement[bool]] = [a.c.campaign == wanted.campaign, a.c.withdrawn.is_(False), a.c.version > 0]
    if wanted.region is not None:
        level = {2: a.c.province, 4: a.c.city, 6: a.c.county}[len(wanted.region)]
        found.append(level == wanted.region)
    if wanted.date_from is not None:
        found.append(a.c.day >= wanted.date_from.isoformat())
    if wanted.date_to is not None:
        found.append(a.c.day <= wanted.date_to.isoformat())
    return found


def activities_query(wanted: ExportFilter) -> Select[Any]:
    """Every column, by region then start (the region index gives the first, a sort each region's part)."""
    return select(a).where(*conditions(wanted)).order_by(a.c.region_code, a.c.starts_at, a.c.activity_id)


def key_activities_query(wanted: ExportFilter) -> Select[Any]:
    columns = [
        a.c.activity_id,
        a.c.name,
        a.c.organizer_name,
        a.c.starts_at,
        a.c.ends_at,
        a.c.format,
        a.c.address,
        a.c.online_url,
        a.c.contact_name,
        a.c.contact_phone,
        a.c.joint_action,
    ]
    query = select(*columns).where(*conditions(wanted), a.c.key_activity.is_(True))
    return query.order_by(a.c.starts_at, a.c.activity_id)


def _measures() -> list[Any]:
    """Per group: activities, info-completed ones, science workers, check-ins, feedback, rating sum."""

    def total(column: ColumnElement[Any]) -> Any:
        return func.coalesce(func.sum(column), 0)

    return [
        func.count().label("activities"),
        total(case((a.c.info_completed.is_(True), 1), else_=0)).label("completed"),
        total(a.c.science_workers).label("science_workers"),
        total(a.c.checkins).label("checkins"),
        total(a.c.feedback).label("feedback"),
        total(a.c.rating_sum).label("rating_sum"),
    ]


def child_level(region: str | None) -> ColumnElement[str]:
    """The level one below the scope: provinces for all China, cities for a province, else counties."""
    if region is None:
        return a.c.province
    return a.c.city if len(region) == 2 else a.c.county


def by_region_query(wanted: ExportFilter) -> Select[Any]:
    level = child_level(wanted.region)
    query = select(level.label("code"), *_measures()).where(*conditions(wanted))
    return query.group_by(level).order_by(level)


def by_category_query(wanted: ExportFilter) -> Select[Any]:
    category = func.coalesce(a.c.category, UNCATEGORISED)
    query = select(category.label("category"), *_measures()).where(*conditions(wanted))
    return query.group_by(category).order_by(func.count().desc(), category)


QUERIES: dict[str, Callable[[ExportFilter], Select[Any]]] = {
    "activities": activities_query,
    "key-activities": key_activities_query,
    "by-region": by_region_query,
    "by-category": by_category_query,
}
