"""The summary tables: the same measures per child region of the scope, or per category."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from ..adapters.tables import activity_facts
from .filters import ExportFilter
from .model import Column, ExportTable
from .values import UNCATEGORISED, average, region_name, share

a = activity_facts


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


MEASURES: tuple[Column, ...] = (
    Column("活动数", 10, lambda r: int(r["activities"])),
    Column("信息完善活动数", 14, lambda r: int(r["completed"])),
    Column("信息完善率(%)", 14, lambda r: share(r["completed"], r["activities"])),
    Column("科技工作者人数", 14, lambda r: int(r["science_workers"])),
    Column("打卡人次", 10, lambda r: int(r["checkins"])),
    Column("评价人数", 10, lambda r: int(r["feedback"])),
    Column("平均评分", 10, lambda r: average(r["rating_sum"], r["feedback"])),
)


def child_level(region: str | None) -> ColumnElement[str]:
    """The level one below the scope: provinces for all China, cities for a province, else counties."""
    if region is None:
        return a.c.province
    return a.c.city if len(region) == 2 else a.c.county


def by_region_query(wanted: ExportFilter) -> Select[Any]:
    level = child_level(wanted.region)
    query = select(level.label("code"), *_measures()).where(*wanted.conditions())
    return query.group_by(level).order_by(level)


def by_category_query(wanted: ExportFilter) -> Select[Any]:
    category = func.coalesce(a.c.category, UNCATEGORISED)
    query = select(category.label("category"), *_measures()).where(*wanted.conditions())
    return query.group_by(category).order_by(func.count().desc(), category)


BY_REGION = ExportTable(
    name="by-region",
    summary="分地区统计: per province (all China), city (a province) or county (a city or county)",
    title=lambda f: f"{f.scope}{f.year}全国科普日分地区统计{f.span}",
    columns=(
        Column("序号", 6),
        Column("行政区划代码", 14, lambda r: r["code"]),
        Column("地区", 16, lambda r: region_name(r["code"])),
        *MEASURES,
    ),
    query=by_region_query,
)

BY_CATEGORY = ExportTable(
    name="by-category",
    summary="分类别统计: the same measures per activity category (活动类别), the largest first",
    title=lambda f: f"{f.scope}{f.year}全国科普日分类别统计{f.span}",
    columns=(Column("序号", 6), Column("活动类别", 20, lambda r: r["category"]), *MEASURES),
    query=by_category_query,
)
