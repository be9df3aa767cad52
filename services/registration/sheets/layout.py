"""The 附件1 layout, declared once: each column's header, the fields it fills, how it is read and written.

Import and export both walk :data:`LAYOUT`, so a sheet exported by a unit imports back. The first
eight columns are the city's key-activity table (序号 … 备注); the ones after them carry what a
valid registration needs beyond it. 开始时间 and 结束时间 are read (real Excel date cells) but never
written, 导入结果 is the import report's own column and is skipped when a report is uploaded again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.events.masking import mask_name, mask_phone

from ..domain.activity import Activity
from . import cells
from .times import format_range, parse_moment, parse_range

Read = Callable[[object], dict[str, Any]]
Write = Callable[[Activity, bool], object]  # (activity, contacts in clear) → cell value


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header (and the other names organizers give it), what it fills."""

    header: str
    fields: tuple[str, ...]
    read: Read | None = None
    write: Write | None = None
    width: int = 14
    aliases: tuple[str, ...] = ()
    required: bool = False


def _one(field: str, reader: Callable[[object], Any]) -> Read:
    def read(value: object) -> dict[str, Any]:
        found = reader(value)
        return {field: found} if found not in (None, []) else {}

    return read


def _range(value: object) -> dict[str, Any]:
    if cells.is_blank(value):
        return {}
    if not isinstance(value, str):
        raise cells.CellError("活动时间须写明开始和结束，或改用「开始时间」「结束时间」两列 (start and end)")
    starts, ends = parse_range(value)
    return {"starts_at": starts, "ends_at": ends}


def _moment(field: str) -> Read:
    return lambda value: {} if cells.is_blank(value) else {field: parse_moment(value)}


def _contact(name: bool) -> Write:
    def write(activity: Activity, clear: bool) -> object:
        details = activity.details
        value = details.contact_name if name else details.contact_phone
        if value is None or clear:
            return value
        return mask_name(value) if name else mask_phone(value)

    return write


SERIAL = Column("序号", (), width=6, aliases=("编号",))
NAME = Column(
    "项目名称",
    ("name",),
    _one("name", cells.text),
    lambda a, _: a.details.name,
    32,
    ("活动名称", "活动项目名称"),
    required=True,
)
TIME = Column(
    "活动时间",
    ("starts_at", "ends_at"),
    _range,
    lambda a, _: format_range(a.details.starts_at, a.details.ends_at),
    30,
    ("举办时间", "时间"),
    required=True,
)
STARTS = Column("开始时间", ("starts_at",), _moment("starts_at"), aliases=("活动开始时间",))
ENDS = Column("结束时间", ("ends_at",), _moment("ends_at"), aliases=("活动结束时间",))
ACTIVITY_ID = Column("活动编号", ("activity_id",), _one("activity_id", cells.text), lambda a, _: a.id, 34)
RESULT = Column("导入结果", (), width=40)
CONTACT_NAME = Column(
    "负责人", ("contact_name",), _one("contact_name", cells.text), _contact(True), 10, ("联系人",), True
)
CONTACT_PHONE = Column(
    "联系电话",
    ("contact_phone",),
    _one("contact_phone", cells.text),
    _contact(False),
    16,
    ("电话", "手机", "联系方式"),
    True,
)

LAYOUT: tuple[Column, ...] = (
    SERIAL,
    NAME,
    Column(
        "举办单位",
        ("organizer",),
        _one("organizer", cells.text),
        lambda a, _: a.details.organizer_name,
        26,
        ("主办单位", "举办单位名称"),
        required=True,
    ),
    TIME,
    Column(
        "活动地点", ("address",), _one("address", cells.text), lambda a, _: a.details.address, 30, ("活动地址", "地点")
    ),
    CONTACT_NAME,
    CONTACT_PHONE,
    Column(
        "备注", ("description",), _one("description", cells.text), lambda a, _: a.details.description, 30, ("活动内容",)
    ),
    Column(
        "行政区划代码",
        ("region_code",),
        _one("region_code", cells.text),
        lambda a, _: a.details.region_code,
        12,
        ("区划代码", "行政区划"),
        required=True,
    ),
    Column(
        "活动形式",
        ("format",),
        _one("format", cells.activity_format),
        lambda a, _: cells.FORMAT_LABELS[a.details.format],
        10,
    ),
    Column(
        "活动网址", ("online_url",), _one("online_url", cells.text), lambda a, _: a.details.online_url, 30, ("网址",)
    ),
    Column("活动类别", ("category",), _one("category", cells.text), lambda a, _: a.details.category, 12, ("类别",)),
    Column("联合行动", ("joint_action",), _one("joint_action", cells.text), lambda a, _: a.details.joint_action),
    Column("品牌活动", ("programme",), _one("programme", cells.text), lambda a, _: a.details.programme),
    Column("活动主题", ("themes",), _one("themes", cells.items), lambda a, _: cells.joined(a.details.themes), 18),
    Column(
        "面向人群",
        ("target_groups",),
        _one("target_groups", cells.items),
        lambda a, _: cells.joined(a.details.target_groups),
        18,
        ("目标人群",),
    ),
    Column(
        "重点活动",
        ("key_activity",),
        lambda value: {"key_activity": cells.yes_no(value)},
        lambda a, _: "是" if a.details.key_activity else "否",
        10,
        ("是否重点活动",),
    ),
    Column(
        "预计参与人数",
        ("expected_participants",),
        _one("expected_participants", cells.count),
        lambda a, _: a.details.expected_participants,
        12,
        ("预计人数", "参与人数"),
    ),
    Column("经度", ("longitude",), _one("longitude", cells.decimal), lambda a, _: a.details.longitude, 11),
    Column("纬度", ("latitude",), _one("latitude", cells.decimal), lambda a, _: a.details.latitude, 11),
    Column(
        "联合举办单位",
        ("co_organizers",),
        _one("co_organizers", cells.items),
        lambda a, _: cells.joined(a.details.co_organizers),
        26,
        ("协办单位",),
    ),
    Column(
        "参与科技工作者",
        ("science_workers",),
        _one("science_workers", cells.workers),
        lambda a, clear: cells.worker_list(a.details.science_workers, clear=clear),
        40,
        ("科技工作者",),
    ),
    ACTIVITY_ID,
    STARTS,
    ENDS,
    RESULT,
)

EXPORTED: tuple[Column, ...] = tuple(c for c in LAYOUT if c.write is not None or c is SERIAL)
REQUIRED: tuple[Column, ...] = tuple(c for c in LAYOUT if c.required)
# The field a registration rule names → the column an organizer fixes (the times: see the row).
COLUMN_OF_FIELD: dict[str, Column] = {f: c for c in reversed(LAYOUT) for f in c.fields if c not in (STARTS, ENDS)}

_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")
_NOISE = re.compile(r"[\s*＊:：]+")


def normalise(header: object) -> str:
    """A header as compared: no spaces or line breaks, no required-marks (*), no bracketed hints."""
    return _NOISE.sub("", _BRACKETED.sub("", str(header))) if header is not None else ""


_BY_HEADER: dict[str, Column] = {normalise(n): c for c in LAYOUT for n in (c.header, *c.aliases)}


def column_named(header: object) -> Column | None:
    """The column a sheet's header cell means, if any."""
    return _BY_HEADER.get(normalise(header))


def missing_headers(present: set[Column]) -> list[str]:
    """The required headers a sheet lacks (活动时间 may come as 开始时间 and 结束时间)."""
    missing = [c.header for c in REQUIRED if c not in present]
    if TIME.header in missing and STARTS in present and ENDS in present:
        missing.remove(TIME.header)
    return missing
