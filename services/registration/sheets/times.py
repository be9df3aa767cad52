"""活动时间 as organizers type it, and as the export writes it (China time unless a zone is given).

Accepted, with or without seconds, with ``-``, ``/``, ``.`` or 年月日 in the date and ``:`` or ``：``
in the time, and any of 至, 到, ``~``, ``～``, ``-``, ``—``, ``–`` between start and end:

- ``2026-09-16 09:00-11:00`` (one day; the end's date is the start's)
- ``2026-09-16 09:00 至 2026-09-17 11:00``
- ``2026年9月16日 9:00—11:00``, ``2026/9/16 9:00~11:00``
- ``2026-09-15 至 2026-09-21`` (whole days: from the first day's 00:00 to the day after the last)
- ``2026-09-16`` (that whole day)
- ISO 8601 with a zone: ``2026-09-16T09:00+08:00 至 2026-09-16T11:00+08:00``
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from shared.web.dates import OUT_OF_RANGE, in_range

from ..domain.campaign import CHINA


class CellError(ValueError):
    """A cell's text cannot be read as its column's value; the message says what was expected."""


_DATE = r"(?P<{p}y>\d{{4}})\s*[-/.年]\s*(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})\s*日?"
_TIME = (
    r"(?P<{p}H>\d{{1,2}})\s*[:：]\s*(?P<{p}M>\d{{2}})"
    r"(?:\s*[:：]\s*(?P<{p}S>\d{{2}})(?:\.(?P<{p}f>\d{{1,6}}))?)?"
    r"\s*(?P<{p}z>Z|[+-]\d{{2}}:?\d{{2}})?"
)
_SEPARATOR = r"\s*(?:至|到|~|～|—+|–|－|-{1,2})\s*"


def _moment(prefix: str) -> str:
    return rf"(?:{_DATE.format(p=prefix)})?\s*T?\s*(?:{_TIME.format(p=prefix)})?"


_RANGE = re.compile(rf"^\s*{_moment('a')}{_SEPARATOR}{_moment('b')}\s*$")
_SINGLE = re.compile(rf"^\s*{_moment('a')}\s*$")

EXPECTED = "例如 2026-09-16 09:00-11:00 或 2026-09-16 09:00 至 2026-09-16 11:00"


def parse_range(text: str) -> tuple[datetime, datetime]:
    """The start and end in ``text`` (see the module's list of forms); :class:`CellError` otherwise."""
    found = _RANGE.match(text)
    if found is not None and found["ay"] is not None and (found["by"] or found["bH"]):
        start_day = _day(found, "a")
        starts = _at(found, "a", start_day, end=False)
        ends = _at(found, "b", _day(found, "b") if found["by"] else start_day, end=True)
        return starts, ends
    single = _SINGLE.match(text)
    if single is not None and single["ay"] is not None:
        if single["aH"] is not None:
            raise CellError(f"活动时间缺少结束时间 (no end time; {EXPECTED})")
        day = _day(single, "a")
        return _at(single, "a", day, end=False), _at(single, "a", day, end=True)
    raise CellError(f"无法识别的活动时间「{text.strip()}」 (unreadable time; {EXPECTED})")


def parse_moment(value: object) -> datetime:
    """One instant from a cell: an Excel date/time (China time) or text such as ``2026-09-16 09:00``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CHINA)
    if isinstance(value, date):
        return datetime.combine(value, time(), CHINA)
    found = _SINGLE.match(str(value))
    if found is None or found["ay"] is None:
        raise CellError(f"无法识别的时间「{str(value).strip()}」 (unreadable time, e.g. 2026-09-16 09:00)")
    return _at(found, "a", _day(found, "a"), end=False)


def format_range(starts: datetime, ends: datetime) -> str:
    """The 活动时间 text of an activity in China time, in a form :func:`parse_range` reads back exactly."""
    start, end = starts.astimezone(CHINA), ends.astimezone(CHINA)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d} {_clock(start)}-{_clock(end)}"
    return f"{start:%Y-%m-%d} {_clock(start)} 至 {end:%Y-%m-%d} {_clock(end)}"


def _clock(moment: datetime) -> str:
    if moment.microsecond:
        return f"{moment:%H:%M:%S.%f}"
    return f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"


def _day(found: re.Match[str], prefix: str) -> date:
    try:
        day = date(int(found[f"{prefix}y"]), int(found[f"{prefix}m"]), int(found[f"{prefix}d"]))
    except ValueError:
        raise CellError(f"日期不存在「{found.group(0).strip()}」 (no such date)") from None
    if not in_range(day):  # before the day after it is computed: 9999-12-31 has none
        raise CellError(f"「{found.group(0).strip()}」：{OUT_OF_RANGE}")
    return day


def _at(found: re.Match[str], prefix: str, day: date, *, end: bool) -> datetime:
    """The instant of one side: a date without a time is the day's start, or for an end the next day's."""
    if found[f"{prefix}H"] is None:
        return datetime.combine(day + timedelta(days=1) if end else day, time(), CHINA)
    if end and found[f"{prefix}H"] == "24" and int(found[f"{prefix}M"]) == 0 and not found[f"{prefix}S"]:
        return datetime.combine(day + timedelta(days=1), time(), _zone(found[f"{prefix}z"]))
    try:
        clock = time(
            int(found[f"{prefix}H"]),
            int(found[f"{prefix}M"]),
            int(found[f"{prefix}S"] or 0),
            int((found[f"{prefix}f"] or "0").ljust(6, "0")),
        )
    except ValueError:
        raise CellError(f"时间不存在「{found.group(0).strip()}」 (no such time of day)") from None
    return datetime.combine(day, clock, _zone(found[f"{prefix}z"]))


def _zone(text: str | None) -> tzinfo:
    if text is None:
        return CHINA
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
