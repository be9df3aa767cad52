"""The summary tables: the same measures per child region of the scope, or per category."""

from __future__ import annotations

from .model import Column, ExportTable
from .values import average, region_name, share

MEASURES: tuple[Column, ...] = (
    Column("活动数", 10, lambda r: int(r["activities"])),
    Column("信息完善活动数", 14, lambda r: int(r["completed"])),
    Column("信息完善率(%)", 14, lambda r: share(r["completed"], r["activities"])),
    Column("科技工作者人数", 14, lambda r: int(r["science_workers"])),
    Column("打卡人次", 10, lambda r: int(r["checkins"])),
    Column("评价人数", 10, lambda r: int(r["feedback"])),
    Column("平均评分", 10, lambda r: average(r["rating_sum"], r["feedback"])),
)


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
)

BY_CATEGORY = ExportTable(
    name="by-category",
    summary="分类别统计: the same measures per activity category (活动类别), the largest first",
    title=lambda f: f"{f.scope}{f.year}全国科普日分类别统计{f.span}",
    columns=(Column("序号", 6), Column("活动类别", 20, lambda r: r["category"]), *MEASURES),
)
