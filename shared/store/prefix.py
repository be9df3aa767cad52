"""A prefix match that an index serves: ``column LIKE 'p%'`` as a range."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_


def starts_with(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """Rows whose ``column`` starts with ``prefix`` (a region code's digits), as an index can find them.

    SQLAlchemy's ``startswith`` renders ``column LIKE :prefix || '%'``. SQLite never finds such a
    LIKE through an index (its pattern is an expression, and its LIKE ignores case), nor does
    PostgreSQL outside the C collation: every such filter reads every row its other conditions
    leave. For a prefix of digits the same set is a range, ``prefix <= column < next`` (``"4201"``:
    up to ``"4202"``; ``"4299"``: up to ``"43"``), which a B-tree index on ``column`` serves under any
    collation. The LIKE stays beside the range, so the match is exact whatever ``column`` holds.
    """
    match = column.startswith(prefix, autoescape=True)
    if not prefix.isascii() or not prefix.isdigit():
        return match
    upper = next_prefix(prefix)
    return and_(column >= prefix, match) if upper is None else and_(column >= prefix, column < upper, match)


def next_prefix(digits: str) -> str | None:
    """The least string of digits after every string that starts with ``digits`` (None: there is none)."""
    kept = digits.rstrip("9")
    if not kept:
        return None
    return kept[:-1] + str(int(kept[-1]) + 1)
