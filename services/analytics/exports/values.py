"""How the facts read in an export: Chinese labels, China time, region names, ratios."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shared.regions import PackagedRegions

CHINA = ZoneInfo("Asia/Shanghai")
FORMATS = {"offline": "线下", "online": "线上", "both": "线上线下"}
REVIEWS = {"pending": "待审核", "approved": "审核通过", "rejected": "未通过"}
LEVELS = {"county": "县级", "city": "市级", "province": "省级", "national": "全国"}
UNCATEGORISED = "未分类"
REGIONS = PackagedRegions()
_YEAR = re.compile(r"^(\d{4})(?!\d)")


def format_label(value: str | None) -> str:
    """线下, 线上 or 线上线下."""
    return FORMATS.get(value or "", value or "")


def yes_no(value: object) -> str:
    return "是" if value else "否"


def china(moment: datetime | None) -> datetime | None:
    """A stored instant in China time (naive values are UTC, as every backend stores them)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA)


def moment_text(moment: datetime | None) -> str | None:
    """``2022-09-18 09:00``, China time."""
    local = china(moment)
    return None if local is None else local.isoformat(" ", "minutes")[:16]


def time_range(starts: datetime | None, ends: datetime | None) -> str | None:
    """活动时间 in China time: ``2022-09-18 09:00-11:30``, or ``… 至 2022-09-20 17:00`` over days.

    The same text registration writes in its 附件1 sheets, so an exported table imports back there.
    """
    start, end = moment_text(starts), moment_text(ends)
    if start is None or end is None:
        return start
    if start[:10] == end[:10]:
        return f"{start}-{end[11:]}"
    return f"{start} 至 {end}"


def place(fmt: str, address: str | None, online_url: str | None) -> str | None:
    """活动地点: the address, else the online URL; both for an activity held online and on site."""
    if fmt == "both" and address and online_url:
        return f"{address}；{online_url}"
    return address or online_url


def average(total: int | None, count: int | None) -> float | None:
    """An average to two decimals (None when nothing was counted)."""
    return round(int(total or 0) / int(count), 2) if count else None


def share(part: int | None, whole: int | None) -> float | None:
    """A share in per cent, to one decimal (None of nothing)."""
    return round(100 * int(part or 0) / int(whole), 1) if whole else None


def region_name(code: str | None) -> str | None:
    """The division's name; a municipality's placeholder city level (1101) takes its province's name."""
    if not code:
        return None
    while code:
        name = REGIONS.name(code)
        if name is not None:
            return name
        code = code[:-2] if len(code) > 2 else ""
    return None


def campaign_label(campaign: str) -> str:
    """``2022-weinan`` → ``2022年``: the year a campaign id starts with, else the id itself."""
    found = _YEAR.match(campaign)
    return f"{found[1]}年" if found else f"{campaign} "
