"""Public reads any cache may keep: a strong ``ETag``, a ``Cache-Control`` sized to how fresh the answer
must be, and ``304 Not Modified`` without a body when the caller already holds it (RFC 9110 §8.8.3,
§13.1.2, §15.4.5; RFC 9111 §5.2.2).

A route renders its answer once into a :class:`Rendered` (the JSON bytes and the tag of those bytes)
and answers it with :func:`conditional`. Where the answer is shared through
:class:`~shared.web.answer_cache.Answers`, the :class:`Rendered` is what is shared, so a repeated
request costs neither the database nor rendering nor hashing: a 304 is a header comparison.

An answer that depends on who asks (a staff member's view of a campaign whose statistics are not
public) is :data:`PRIVATE`: only the caller's own browser may keep it, and it asks again every time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"
_TAG = re.compile(r'(?:W/)?"[^"]*"')  # an entity tag; its opaque part may hold a comma


@dataclass(frozen=True)
class Freshness:
    """How long a cache may answer without asking again (``max_age``, seconds; 0: any cache may keep it
    but asks again every time), and how much longer it may answer a stale copy while it asks in the
    background (``stale_while_revalidate``); ``shared=False``: a private answer, kept by the caller's
    browser only and revalidated every time."""

    max_age: int
    stale_while_revalidate: int = 0
    shared: bool = True

    @property
    def cache_control(self) -> str:
        if not self.shared:
            return "private, no-cache"
        if not self.max_age:
            return "public, no-cache"
        directives = f"public, max-age={self.max_age}"
        if self.stale_while_revalidate:
            directives += f", stale-while-revalidate={self.stale_while_revalidate}"
        return directives


PRIVATE = Freshness(0, shared=False)


@dataclass(frozen=True)
class Rendered:
    """An answer's bytes and their strong entity tag, computed once and shared as one."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Rendered:
        """``body`` tagged with a hash of its bytes (BLAKE2b, 128 bits): equal bytes, equal tags."""
        return cls(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')

    @classmethod
    def json(cls, value: Any) -> Rendered:
        """``value`` (plain dicts, lists, numbers, strings, pydantic models) as UTF-8 JSON, tagged."""
        return cls.of(to_json(value))


def none_match(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag``: ``*``, or any tag of its comma-separated list
    equal to it by the weak comparison (``W/"x"`` matches ``"x"``; RFC 9110 §8.8.3.2), so the condition
    is false and the answer is 304."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == wanted for tag in _TAG.findall(header))


def conditional(
    request: Request, answer: Rendered, freshness: Freshness, media_type: str = JSON, vary: str | None = None
) -> Response:
    """``answer`` with its ``ETag`` and ``freshness``'s ``Cache-Control``, or 304 with the same headers and
    no body when the request's ``If-None-Match`` names it. ``vary``: the request headers the answer
    depends on, for ``Vary``."""
    headers = {"ETag": answer.etag, "Cache-Control": freshness.cache_control}
    if vary:
        headers["Vary"] = vary
    if none_match(request.headers.get("if-none-match"), answer.etag):
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=media_type, headers=headers)
