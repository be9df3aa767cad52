"""The tables of activities, one row each: every column (全部活动明细) and the city's 附件1."""

from __future__ import annotations

from typing import Any

from .model import Column, ExportTable, Row
from .values import (
    LEVELS,
    REVIEWS,
    average,
    format_label,
    moment_text,
    place,
    region_name,
    time_range,
    yes_no,
)


def _remark(row: Row) -> str:
    """备注 of 附件1: how it is held, that it is a key activity, and its joint action if any."""
    said: list[str] = [format_label(row["format"]), "重点活动"]
    if row["joint_action"]:
        said.append(f"联合行动：{row['joint_action']}")
    return "；".join(said)


def _field(name: str) -> Any:
    return lambda row: row[name]


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("序号", 8),
    Column("活动编号", 34, _field("activity_id")),
    Column("活动名称", 32, _field("name")),
    Column("举办单位", 26, _field("organizer_name")),
    Column("省份", 10, lambda r: region_name(r["province"])),
    Column("城市", 10, lambda r: region_name(r["city"])),
    Column("区县", 10, lambda r: region_name(r["county"])),
    Column("行政区划代码", 14, _field("region_code")),
    Column("活动类别", 12, _field("category")),
    Column("联合行动", 16, _field("joint_action")),
    Column("活动形式", 10, lambda r: format_label(r["format"])),
    Column("重点活动", 10, lambda r: yes_no(r["key_activity"])),
    Column("活动时间", 30, lambda r: time_range(r["starts_at"], r["ends_at"])),
    Column("开始时间", 17, lambda r: moment_text(r["starts_at"])),
    Column("结束时间", 17, lambda r: moment_text(r["ends_at"])),
    Column("活动地点", 30, _field("address")),
    Column("活动网址", 30, _field("online_url")),
    Column("负责人", 10, _field("contact_name")),
    Column("联系电话", 15, _field("contact_phone")),
    Column("预计参与人数", 12, _field("expected_participants")),
    Column("实际参与人数", 12, _field("actual_participants")),
    Column("科技工作者人数", 14, _field("science_workers")),
    Column("信息已完善", 10, lambda r: yes_no(r["info_completed"])),
    Column("审核状态", 10, lambda r: REVIEWS.get(r["review"], r["review"])),
    Column("推荐级别", 10, lambda r: LEVELS.get(r["level"], r["level"]) if r["level"] else None),
    Column("获表扬", 8, lambda r: yes_no(r["commended"])),
    Column("打卡人次", 10, _field("checkins")),
    Column("评价人数", 10, _field("feedback")),
    Column("平均评分", 10, lambda r: average(r["rating_sum"], r["feedback"])),
    Column("登记时间", 17, lambda r: moment_text(r["registered_at"])),
)

# 附件1 (渭南市…全国科普日活动项目汇总表): exactly the notice's eight columns
KEY_COLUMNS: tuple[Column, ...] = (
    Column("序号", 6),
    Column("项目名称", 32, _field("name")),
    Column("举办单位", 26, _field("organizer_name")),
    Column("活动时间", 30, lambda r: time_range(r["starts_at"], r["ends_at"])),
    Column("活动地点", 32, lambda r: place(r["format"], r["address"], r["online_url"])),
    Column("负责人", 10, _field("contact_name")),
    Column("联系电话", 15, _field("contact_phone")),
    Column("备注", 24, _remark),
)


ACTIVITIES = ExportTable(
    name="activities",
    summary="全部活动明细: every activity, every column a province's report uses",
    title=lambda f: f"{f.scope}{f.year}全国科普日全部活动明细{f.span}",
    columns=ACTIVITY_COLUMNS,
    contacts=True,
)

KEY_ACTIVITIES = ExportTable(
    name="key-activities",
    summary="附件1 活动项目汇总表: the region's key activities (重点活动) in the notice's eight columns",
    title=lambda f: f"{f.scope}{f.year}全国科普日活动项目汇总表{f.span}",
    columns=KEY_COLUMNS,
    contacts=True,
    preamble=("单位名称：（盖章）",),
)
