"""One pure-ASGI middleware for every request: correlation id in, metrics out.

Pure ASGI rather than ``BaseHTTPMiddleware`` because it sits on the hot path of every request.
"""

from __future__ import annotations

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..observability.logging import correlation_id
from ..observability.metrics import LATENCY, REQUESTS

HEADER = b"x-correlation-id"


class RequestContextMiddleware:
    """Sets the correlation id (from ``X-Correlation-ID`` or a new one), echoes it, counts the request."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER)
        value = incoming.decode("latin-1")[:64] if incoming else uuid.uuid4().hex
        token = correlation_id.set(value)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, value.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            LATENCY.labels(self.service, method, route).observe(time.perf_counter() - started)
            REQUESTS.labels(self.service, method, route, str(status)).inc()
