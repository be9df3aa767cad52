"""A limit on request bodies, enforced before a route reads them.

Pure ASGI, outside FastAPI's body parsing: a declared ``Content-Length`` over the limit is answered
413 at once, unread; a body without one (chunked) is counted as it streams in, and the answer is
sent as soon as the count passes the limit, the route seeing the client gone. Nothing past the
limit is ever buffered, so a 50 MiB body costs the server no more memory than a 1 MiB one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import MEDIA_TYPE


def too_large(limit: int) -> bytes:
    """The 413 problem+json body for a request body over ``limit`` bytes."""
    size = f"{limit / (1 << 20):g} MiB" if limit >= 1 << 20 else f"{limit / 1024:g} KiB"
    return json.dumps(
        {
            "type": "about:blank",
            "title": "请求内容过大 (content too large)",
            "status": 413,
            "detail": f"请求内容超过上限 {size}（{limit} 字节） (the request body may be at most {limit} bytes, {size})",
            "limit": "max_body_bytes",
            "limit_value": limit,
        },
        ensure_ascii=False,
    ).encode()


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` (or over ``per_path[path]`` for the paths named there)
    with a 413 problem+json, without reading them."""

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, limit)
                    return {"type": "http.disconnect"}  # the route stops reading: for it, the client left
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been answered; whatever the route says after it goes nowhere
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise


async def _refuse(send: Send, limit: int) -> None:
    body = too_large(limit)
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
