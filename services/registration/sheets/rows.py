"""One sheet row as a registration: each cell read by its column, then validated by the very schema
``POST /api/v1/activities`` uses (:class:`ActivityIn`), every problem named by its Chinese column."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..api.schemas import ActivityIn
from .cells import CellError, is_blank
from .layout import COLUMN_OF_FIELD, ENDS, LAYOUT, STARTS, TIME, Column
from .reading import Sheet, SheetRow

# Chinese for the schema's complaints organizers meet most; the English message follows in brackets.
_MESSAGES = {
    "missing": "必填",
    "string_too_long": "不能超过 {max_length} 个字",
    "string_too_short": "至少 {min_length} 个字",
    "string_pattern_mismatch": "格式不正确",
    "too_long": "最多 {max_length} 项",
    "url_parsing": "网址无效",
    "url_scheme": "网址须以 http:// 或 https:// 开头",
    "url_too_long": "网址过长",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "timezone_aware": "须带时区",
}


@dataclass(frozen=True)
class CellProblem:
    """What is wrong with a row: the column to fix (None for the campaign), the field, the message."""

    column: str | None
    field: str
    message: str


@dataclass
class RowCandidate:
    """A row read and validated: the registration it states, or the problems that refuse it."""

    row: int
    body: ActivityIn | None
    problems: list[CellProblem] = field(default_factory=list)
    stated_id: str | None = None
    sources: dict[str, Column] = field(default_factory=dict)

    def problem(self, field_path: str, message: str) -> CellProblem:
        """A problem on ``field_path`` (``science_workers.1.phone``), placed in the column it came from."""
        name = field_path.split(".")[0]
        column = self.sources.get(name) or COLUMN_OF_FIELD.get(name)
        return CellProblem(column.header if column else None, field_path, message)


def read_row(sheet: Sheet, row: SheetRow, campaign_id: str) -> RowCandidate:
    """The row's registration for ``campaign_id``, checked as a POST body is."""
    candidate = RowCandidate(row.number, None)
    values: dict[str, Any] = {}
    failed: set[str] = set()
    for column, value in _cells(sheet, row):
        if column.read is None:
            continue
        candidate.sources.update(dict.fromkeys(column.fields, column))
        try:
            found = column.read(value)
        except CellError as exc:
            candidate.problems.append(CellProblem(column.header, column.fields[0], str(exc)))
            failed.update(column.fields)
            continue
        values.update(found)
    candidate.stated_id = values.pop("activity_id", None)
    try:
        candidate.body = ActivityIn.model_validate({**values, "campaign_id": campaign_id})
    except ValidationError as exc:
        for error in exc.errors():
            if error["loc"] and error["loc"][0] not in failed:
                path = ".".join(str(part) for part in error["loc"])
                candidate.problems.append(candidate.problem(path, _message(error)))
    if candidate.problems:
        candidate.body = None
    return candidate


def identity(body: ActivityIn) -> str:
    """The row's idempotency identity: a hash of what it registers, however its cells were typed."""
    stated = body.model_dump(mode="json", exclude={"campaign_id"})
    stated["starts_at"] = body.starts_at.astimezone(UTC).isoformat()
    stated["ends_at"] = body.ends_at.astimezone(UTC).isoformat()
    return hashlib.sha256(json.dumps(stated, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _cells(sheet: Sheet, row: SheetRow) -> list[tuple[Column, object]]:
    """The row's cells by column, in layout order; 开始时间 and 结束时间, when filled, replace 活动时间."""
    cells = sorted(((c, row.cell(p)) for p, c in sheet.columns.items()), key=lambda cv: LAYOUT.index(cv[0]))
    separate = [(c, v) for c, v in cells if c in (STARTS, ENDS)]
    if any(not is_blank(v) for _, v in separate):
        return [(c, v) for c, v in cells if c is not TIME]
    return [(c, v) for c, v in cells if c not in (STARTS, ENDS)]


def _message(error: ErrorDetails) -> str:
    template = _MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    return f"{template.format(**error.get('ctx', {}))} ({error['msg']})"
