"""Opaque cursors for keyset pagination: the sort key of the last item, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .problems import Problem


def encode_cursor(position: list[Any]) -> str:
    """The cursor that continues after ``position`` (the last item's sort key)."""
    raw = json.dumps(position, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The position a cursor encodes; a cursor that is not one of ours is a 422 naming ``cursor``."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if not isinstance(position, list) or len(position) != length:
        raise Problem(
            422,
            "分页游标无效 (invalid cursor)",
            "The cursor is not one this API returned; start again without it",
            errors=[{"field": "cursor", "message": "not a cursor of this listing"}],
        )
    return position
