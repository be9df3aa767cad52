"""Recommendations as XLSX workbooks: the forms 附件3 (activities) and 附件2 (units), and any box as a
list with the indicator figures beside each item.

The rows are exactly a box of :class:`~.lists.Lists` (same jurisdiction, same order), streamed from
the database :data:`~.lists.PARTITION` at a time and written in openpyxl's write-only mode to a
temporary file off the event loop, so a national export stays flat in memory. The chain's review
opinions (审核意见) come from each recommendation's history, one column per level that reviews. Every
cell goes through :mod:`shared.spreadsheets`, so a name or opinion typed as ``=…`` stays text.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from shared.auth import Principal
from shared.spreadsheets import xlsx_row, xlsx_value

from ..adapters.figures import Figures
from ..domain.bodies import LEVEL_NAMES, Body
from ..domain.chain import Kind
from ..domain.errors import BadParameter
from ..domain.recommendations import STATUS_NAMES, Recommendation
from .recommendation_lists import Box, Context, Listed, ListQuery, Lists

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Form = Literal["附件3", "附件2", "list"]
FORMS: tuple[Form, ...] = ("附件3", "附件2", "list")
FORM_KINDS: dict[Form, Kind] = {"附件3": "activity", "附件2": "unit"}
FORM_TITLES: dict[Form, str] = {"附件3": "优秀活动推荐表", "附件2": "先进单位推荐表", "list": "推荐一览表"}
BOX_NAMES: dict[Box, str] = {
    "received": "待本级审核",
    "sent": "本单位推荐",
    "endorsed": "本单位已同意",
    "declined": "本单位未同意",
    "all": "全部",
}
REVIEWERS = {"county": "县级科协", "city": "市级科协", "province": "省级科协", "national": "全国组织单位"}
STEP_WORDS = {"endorsed": "同意", "declined": "不同意"}
_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAPPED = Alignment(vertical="top", wrap_text=True)
CHINA = ZoneInfo("Asia/Shanghai")
_SHEET_NAME_FORBIDS = re.compile(r"[\\/?*\[\]:]")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[Listed], Any]
    wrap: bool = False


@dataclass(frozen=True)
class ExportQuery:
    """Which box, which kind and which layout; ``form`` defaults to the kind's form (or ``list``)."""

    campaign_id: str
    box: Box = "received"
    kind: Kind | None = None
    form: Form | None = None
    sort: str = "created_at"

    def resolved(self) -> tuple[Kind | None, Form]:
        """The kind and form asked for (:class:`~.lists.BadParameter` naming ``form`` when they disagree)."""
        if self.form is None:
            return self.kind, "附件3" if self.kind == "activity" else "附件2" if self.kind == "unit" else "list"
        if self.form == "list":
            return self.kind, "list"
        wanted = FORM_KINDS[self.form]
        if self.kind is not None and self.kind != wanted:
            raise BadParameter(
                f"{self.form} 是{'活动' if wanted == 'activity' else '单位'}推荐表，不能用于 kind={self.kind}",
                field="form",
            )
        return wanted, self.form


@dataclass
class Exported:
    """The written workbook (the caller deletes ``path``) and its file names."""

    path: Path
    filename: str
    fallback: str
    rows: int = 0


@dataclass
class _Book:
    columns: list[Column]
    workbook: Workbook = field(default_factory=lambda: Workbook(write_only=True))
    sheet: WriteOnlyWorksheet | None = None
    rows: int = 0

    def start(self, title: str) -> None:
        sheet: Any = self.workbook.create_sheet(_SHEET_NAME_FORBIDS.sub("-", title)[:31])
        for position, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = column.width
        sheet.freeze_panes = "A3"
        sheet.append([xlsx_value(sheet, title, _TITLE)])
        sheet.append(xlsx_row(sheet, [c.header for c in self.columns], _BOLD, _CENTRED))
        self.sheet = sheet

    def add(self, items: list[Listed]) -> None:
        assert self.sheet is not None
        for item in items:
            self.rows += 1
            values = [self.rows if c.header == "序号" else c.value(item) for c in self.columns]
            self.sheet.append(
                [
                    xlsx_value(self.sheet, v, None, _WRAPPED if c.wrap else None)
                    for c, v in zip(self.columns, values, strict=True)
                ]
            )

    def save(self) -> Path:
        descriptor, name = tempfile.mkstemp(prefix="kepuri-recommendations-", suffix=".xlsx")
        os.close(descriptor)
        path = Path(name)
        try:
            self.workbook.save(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path


async def export_recommendations(lists: Lists, principal: Principal, wanted: ExportQuery) -> Exported:
    """Write the box as the asked form to a temporary .xlsx; only what the caller's lists show."""
    kind, form = wanted.resolved()
    query = ListQuery(wanted.campaign_id, wanted.box, kind, wanted.sort)
    holder: dict[str, Any] = {}

    async def started(context: Context) -> None:
        book = _Book(columns_of(form, context))
        title = f"{context.title}{FORM_TITLES[form]}"
        await asyncio.to_thread(book.start, f"{title}（{context.body.describe()}·{BOX_NAMES[wanted.box]}）")
        holder.update(book=book, title=title)

    async def handle(items: list[Listed]) -> None:
        await asyncio.to_thread(holder["book"].add, items)

    await lists.each_partition(principal, query, started, handle)
    book: _Book = holder["book"]
    path = await asyncio.to_thread(book.save)
    ascii_name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"kepuri-recommendations-{wanted.campaign_id}-{wanted.box}")
    suffix = {"附件3": "activities", "附件2": "units", "list": "list"}[form]
    name = f"{holder['title']}-{BOX_NAMES[wanted.box]}.xlsx"
    return Exported(path, name, f"{ascii_name}-{suffix}.xlsx", book.rows)


def reviewing_levels(context: Context) -> list[str]:
    """The levels that endorse or decline in the campaign's chain, bottom-up (the lowest only sends)."""
    if context.chain is None:
        return []
    levels = [*context.chain.rule.levels[1:], context.chain.top]
    return list(dict.fromkeys(levels))


def columns_of(form: Form, context: Context) -> list[Column]:
    opinions = [
        Column(f"{REVIEWERS[level]}审核意见", 30, _opinion_at(level), wrap=True) for level in reviewing_levels(context)
    ]
    status = Column("状态", 16, lambda i: status_text(i.rec))
    origin = Column("推荐单位", 18, lambda i: origin_text(i.rec.origin))
    serial = Column("序号", 6, lambda _i: None)
    contact = [
        Column("联系人", 10, lambda i: i.form.get("contact_name")),
        Column("联系电话", 15, lambda i: i.form.get("contact_phone")),
    ]
    if form == "附件3":
        return [
            serial,
            Column("活动名称", 30, lambda i: i.row["subject_name"], wrap=True),
            Column("单位名称", 24, lambda i: i.row["unit_name"], wrap=True),
            *contact,
            *activity_detail_columns(),
            Column("主要内容", 40, lambda i: i.form.get("main_content"), wrap=True),
            Column("推荐理由", 40, lambda i: i.form.get("reason"), wrap=True),
            origin,
            Column("推荐单位意见", 30, lambda i: i.form.get("opinion"), wrap=True),
            *opinions,
            status,
        ]
    if form == "附件2":
        return [
            serial,
            Column("单位名称", 24, lambda i: i.row["subject_name"], wrap=True),
            Column("单位级别", 10, lambda i: i.form.get("unit_level")),
            Column("职工总数", 10, lambda i: i.form.get("staff_count")),
            *contact,
            Column("主要事迹", 40, lambda i: i.form.get("deeds"), wrap=True),
            origin,
            Column("推荐单位审核意见", 30, lambda i: i.form.get("opinion"), wrap=True),
            *opinions,
            status,
        ]
    return [
        serial,
        Column("类型", 8, lambda i: "活动" if i.rec.kind == "activity" else "单位"),
        Column("名称", 30, lambda i: i.row["subject_name"], wrap=True),
        Column("单位名称", 24, lambda i: i.row["unit_name"], wrap=True),
        Column("行政区划代码", 12, lambda i: i.rec.region_code),
        origin,
        Column("所在层级", 10, lambda i: LEVEL_NAMES[i.rec.level]),
        status,
        Column("推荐日期", 12, lambda i: i.rec.history[0].on.isoformat() if i.rec.history else None),
        *_figure_columns("活动", lambda i: i.activity, activity=True),
        *_figure_columns("单位", lambda i: i.unit, activity=False),
        *activity_detail_columns(),
        *_score_columns(context),
    ]


def _score_columns(context: Context) -> list[Column]:
    """The unit's score on each of the campaign's indicators (0–100, its weight in the header), and the composite."""

    def on(position: int) -> Callable[[Listed], Any]:
        return lambda item: item.score.measures[position].score if item.score is not None else None

    return [
        *(Column(f"{w.indicator}得分（权重{w.weight:g}）", 14, on(n)) for n, w in enumerate(context.weights)),
        Column("综合得分", 10, lambda i: i.score.composite if i.score is not None else None),
    ]


def activity_detail_columns() -> list[Column]:
    """What the organizer registered and completed (empty for a unit), read from review's view."""

    def of(name: str, shown: Callable[[Any], Any] = lambda v: v) -> Callable[[Listed], Any]:
        def value(item: Listed) -> Any:
            details = item.details
            return shown(details[name]) if details is not None and details[name] not in (None, []) else None

        return value

    return [
        Column("开始时间", 17, of("starts_at", _china_time)),
        Column("结束时间", 17, of("ends_at", _china_time)),
        Column("活动地点", 24, of("address"), wrap=True),
        Column("线上网址", 24, of("online_url"), wrap=True),
        Column("活动简介", 40, of("description"), wrap=True),
        Column("预计参与人数", 10, of("expected_participants")),
        Column("实际参与人数", 10, of("actual_participants")),
        Column("活动照片", 30, of("photo_urls", "\n".join), wrap=True),
        Column("视频", 30, of("video_urls", "\n".join), wrap=True),
        Column("新闻报道", 30, of("news_urls", "\n".join), wrap=True),
        Column("活动总结", 40, of("summary"), wrap=True),
    ]


def _china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _figure_columns(prefix: str, figures: Callable[[Listed], Figures | None], *, activity: bool) -> list[Column]:
    def of(name: str) -> Callable[[Listed], Any]:
        return lambda item: getattr(figures(item), name) if figures(item) is not None else None

    shown = [
        ("科技工作者人数", "science_workers"),
        ("参与人次", "participation"),
        ("评价人数", "ratings"),
        ("平均评分", "average_rating"),
    ]
    if activity:
        return [Column(f"{prefix}{header}", 12, of(name)) for header, name in shown]
    counts = [
        ("活动数", "activities"),
        ("线上活动数", "online_activities"),
        ("联合行动活动数", "joint_action_activities"),
    ]
    return [
        Column(f"{prefix}{header}", 12, of(name))
        for header, name in (*counts, *shown, ("信息完善率", "completion_rate"))
    ]


def _opinion_at(level: str) -> Callable[[Listed], str | None]:
    def opinion(item: Listed) -> str | None:
        said = [
            f"{STEP_WORDS[s.action]}：{s.text or ''}（{s.on.isoformat()}）"
            for s in item.rec.history
            if s.level == level and s.action in STEP_WORDS
        ]
        return "\n".join(said) or None

    return opinion


def status_text(rec: Recommendation) -> str:
    if rec.status == "pending":
        return f"待{LEVEL_NAMES[rec.level]}审核"
    return f"{STATUS_NAMES[rec.status]}{'，已表扬' if rec.commended else ''}"


def origin_text(origin: str) -> str:
    try:
        return Body.of_id(origin).describe()
    except ValueError:
        return origin
