"""Cell values as organizers type them in 附件1 sheets, read into registration fields and written back.

Excel stores what looks like text in several ways: a phone or a division code typed as a number,
an integral float, a boolean. Each reader accepts those and raises :class:`CellError` with a
message naming the expected form; each writer produces what the reader reads back unchanged.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from datetime import time as clock

from shared.events.masking import mask_name, mask_phone

from ..domain.activity import ScienceWorker
from .times import CellError

# Lists (themes, target groups, co-organizers) are separated by 、 ， , ; ； or line breaks.
ITEM_SEPARATORS = re.compile(r"[、，,;；\n]+")
# Science workers are separated by ; ； ， , or line breaks (a name, phone or unit has no such mark)…
WORKER_SEPARATORS = re.compile(r"[;；，,\n]+")
# …and each is 姓名/电话/工作单位 (the unit may be left out).
WORKER_PARTS = re.compile(r"\s*[/／]\s*")

YES = {"是", "y", "yes", "true", "1", "√", "✓", "重点", "重点活动"}
NO = {"否", "n", "no", "false", "0", "×", "不是", "非重点"}

FORMAT_LABELS = {"offline": "线下", "online": "线上", "both": "线上线下"}
_FORMATS = {
    **{label: value for value, label in FORMAT_LABELS.items()},
    **{value: value for value in FORMAT_LABELS},
    "线下线上": "both",
    "线上和线下": "both",
    "线上及线下": "both",
    "线上+线下": "both",
    "线上、线下": "both",
    "线上/线下": "both",
}


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str | None:
    """A cell as text: numbers typed for codes and phones lose their ``.0``; blank is None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date | clock):
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    stripped = str(value).strip()
    return stripped or None


def items(value: object) -> list[str]:
    """A list typed in one cell: 乡村振兴、卫生健康；食品安全."""
    return [part.strip() for part in ITEM_SEPARATORS.split(text(value) or "") if part.strip()]


def joined(values: tuple[str, ...]) -> str | None:
    return "、".join(values) or None


def yes_no(value: object) -> bool:
    """是/否 (also Y/N, 1/0, √, a checkbox's TRUE/FALSE); blank is 否."""
    if isinstance(value, bool):
        return value
    written = (text(value) or "否").lower()
    if written in YES:
        return True
    if written in NO:
        return False
    raise CellError(f"请填写「是」或「否」，而不是「{written}」 (expected 是 or 否)")


def activity_format(value: object) -> str | None:
    """线下 / 线上 / 线上线下 as offline / online / both; blank is left to the default (线下)."""
    written = text(value)
    if written is None:
        return None
    found = _FORMATS.get(re.sub(r"\s+", "", written).lower())
    if found is None:
        raise CellError(f"活动形式须为 线下、线上 或 线上线下，而不是「{written}」 (offline, online or both)")
    return found


def count(value: object) -> int | None:
    """A whole number of people: 200, 200.0 or 200人."""
    if isinstance(value, bool):
        raise CellError("请填写人数 (expected a whole number)")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    written = text(value)
    if written is None:
        return None
    digits = written.removesuffix("人").replace(",", "").strip()
    if not digits.isdigit():
        raise CellError(f"人数须为整数，而不是「{written}」 (expected a whole number)")
    return int(digits)


def decimal(value: object) -> float | None:
    """A coordinate in decimal degrees, as a number or text."""
    if isinstance(value, bool):
        raise CellError("请填写十进制度数 (expected decimal degrees)")
    if isinstance(value, int | float):
        return float(value)
    written = text(value)
    if written is None:
        return None
    try:
        return float(written.removesuffix("°"))
    except ValueError:
        raise CellError(f"须为十进制度数，例如 109.5099，而不是「{written}」 (expected decimal degrees)") from None


def workers(value: object) -> list[dict[str, str | None]]:
    """参与科技工作者: 李明华/13900001111/西北农林科技大学；赵晓燕/0913-2123456."""
    listed: list[dict[str, str | None]] = []
    for entry in WORKER_SEPARATORS.split(text(value) or ""):
        if not entry.strip():
            continue
        parts = WORKER_PARTS.split(entry.strip(), maxsplit=2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise CellError(f"科技工作者「{entry.strip()}」须写作 姓名/电话/工作单位 (name/phone/organisation)")
        organisation = parts[2].strip() if len(parts) > 2 and parts[2].strip() else None
        listed.append({"name": parts[0], "phone": parts[1], "organisation": organisation})
    return listed


def worker_list(listed: tuple[ScienceWorker, ...], *, clear: bool) -> str | None:
    """The science workers as :func:`workers` reads them; masked unless ``clear``."""
    entries = []
    for worker in listed:
        name = worker.name if clear else mask_name(worker.name)
        phone = worker.phone if clear else mask_phone(worker.phone)
        entries.append("/".join(part for part in (name, phone, worker.organisation) if part))
    return "；".join(entries) or None


__all__ = ["CellError"]
