"""Paging cursors as the service layer reads them: the shared codec, its refusal in review's vocabulary."""

from __future__ import annotations

from typing import Any

from shared.web import Problem
from shared.web.cursor import decode_cursor, encode_cursor

from ..domain.errors import InvalidCursor

__all__ = ["encode_cursor", "position_of"]


def position_of(cursor: str, length: int) -> list[Any]:
    """The position ``cursor`` encodes (:class:`InvalidCursor` when it is not one of this API's)."""
    try:
        return decode_cursor(cursor, length)
    except Problem:
        raise InvalidCursor() from None
