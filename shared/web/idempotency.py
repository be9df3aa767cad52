"""Idempotency-Key: a retried POST gets the first answer again and writes nothing new (DESIGN §5).

One dependency does it for every creating route; the route and its command know nothing of it::

    @router.post("", status_code=201, dependencies=[Idempotent])
    async def register_activity(...): ...

With a key, the dependency first looks for an earlier request of the same caller, route and key: its
stored answer is sent again (``Idempotent-Replayed: true``); a different body with the same key is a
422. Otherwise it *claims* the key: the claim row rides along with the first :class:`Changes` the
command commits (:mod:`shared.store.attached`), so the command's writes and the claim exist together
or not at all - a retry can never write twice. :class:`IdempotencyMiddleware` then stores the answer
(a 2xx) on the claim before it is sent. A concurrent request with the same key loses on the claim's
primary key and is answered like a retry. A claim whose answer was never stored (the process died
between the commit and the answer) is a 409 that says the request was carried out.

A key is scoped to the path as asked (``POST /api/v1/drafts/7/submission``) and the caller (the token's
subject; ``anonymous`` without a token).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..store.attached import attach, detach
from ..store.errors import IntegrityViolation
from ..store.recorder import Insert
from ..store.tables import BackboneTables
from .auth import verified
from .problems import Problem

HEADER = "Idempotency-Key"
ANSWER_WAIT_S = 10.0  # how long a retry waits for a concurrent request's answer
ANSWER_POLL_S = 0.05


@dataclass(frozen=True)
class IdempotentRequest:
    """A request that carried an Idempotency-Key."""

    scope: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str | None, scope: str, body: bytes) -> IdempotentRequest | None:
        """The request's idempotency identity, or None when it has no key."""
        if key is None:
            return None
        if not 1 <= len(key) <= 255:
            raise Problem(400, "Idempotency-Key 无效 (invalid)", "Idempotency-Key must be 1 to 255 characters")
        return cls(scope, key, hashlib.sha256(body).hexdigest())


class IdempotencyKeys:
    """Looks up and records the responses of idempotent requests."""

    def __init__(self, engine: AsyncEngine, tables: BackboneTables) -> None:
        self._engine = engine
        self._table = tables.idempotency_keys

    async def replay(self, request: IdempotentRequest, wait_s: float | None = None) -> Response | None:
        """The stored response of an earlier request with the same key, or None.

        A claim still waiting for its answer (a concurrent request with the key, in flight) is waited
        for up to ``wait_s``; still unanswered after that, it is a 409.
        """
        deadline = time.monotonic() + (ANSWER_WAIT_S if wait_s is None else wait_s)
        while True:
            row = await self._row(request)
            if row is None:
                return None
            if row.fingerprint != request.fingerprint:
                raise Problem(
                    422,
                    "Idempotency-Key 已用于其他请求 (key reused)",
                    "This Idempotency-Key was already used with a different request body",
                )
            if row.status_code != CLAIMED:
                return Response(
                    row.body,
                    status_code=row.status_code,
                    media_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
            if time.monotonic() >= deadline:
                raise Problem(
                    409,
                    "请求已处理，答复未保存 (request carried out, answer not stored)",
                    "A request with this Idempotency-Key was carried out but its answer was not stored; "
                    "read the resource to see its result, and use a new key for a new request",
                )
            await asyncio.sleep(ANSWER_POLL_S)

    async def _row(self, request: IdempotentRequest) -> Any:
        t = self._table
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(t.c.fingerprint, t.c.status_code, t.c.body).where(
                        t.c.scope == request.scope, t.c.key == request.key
                    )
                )
            ).first()
            await connection.rollback()
        return row

    def record(self, request: IdempotentRequest, status_code: int, body: bytes) -> Insert:
        """The row that stores a response; add it to the command's :class:`Changes` ``inserts``."""
        return Insert(
            self._table,
            {
                "scope": request.scope,
                "key": request.key,
                "fingerprint": request.fingerprint,
                "status_code": status_code,
                "body": body,
                "created_at": datetime.now(UTC),
            },
        )

    def claim(self, request: IdempotentRequest) -> Insert:
        """The claim row written with the command: the key is taken, the answer not yet stored."""
        return self.record(request, CLAIMED, b"")

    async def answer(self, request: IdempotentRequest, status_code: int, body: bytes) -> None:
        """Store the answer on the claim (or, when the command wrote nothing, as a row of its own)."""
        t = self._table
        async with self._engine.begin() as connection:
            updated = await connection.execute(
                update(t)
                .where(t.c.scope == request.scope, t.c.key == request.key, t.c.status_code == CLAIMED)
                .values(status_code=status_code, body=body)
            )
            claimed = updated.rowcount > 0
        if not claimed:  # the command wrote nothing: the answer is a row of its own (unless one raced it in)
            with suppress(IntegrityError):
                async with self._engine.begin() as connection:
                    await connection.execute(insert(t).values(**self.record(request, status_code, body).row))


CLAIMED = 0  # status_code of a claimed key whose answer is not stored yet
_STATE = "idempotency"


class Replayed(Exception):
    """Raised by the dependency to send an earlier request's stored answer instead of running the route."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _keys(request: Request) -> IdempotencyKeys:
    keys: IdempotencyKeys = request.app.state.idempotency
    return keys


async def _caller(request: Request) -> str:
    """The token's subject; read from the header itself, so that the dependency adds no security
    scheme to a public route's OpenAPI document."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "anonymous"
    try:
        return (await verified(request, token.strip())).subject
    except Problem:
        return "anonymous"  # the route's own authentication answers for a bad token


async def _idempotent(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Any unique string (a UUID) per intended request: a retry with the same key and body "
            "gets the first answer again and writes nothing new",
        ),
    ] = None,
) -> AsyncIterator[None]:
    if idempotency_key is None:
        yield
        return
    # the path as asked (ids included): the same key and body sent to another draft is another request
    scope = f"{request.method} {request.url.path} {await _caller(request)}"
    asked = IdempotentRequest.of(idempotency_key, scope[:128], await request.body())
    assert asked is not None
    keys = _keys(request)
    if (earlier := await keys.replay(asked)) is not None:
        raise Replayed(earlier)
    attach(keys.claim(asked))
    request.state.idempotency = asked
    try:
        yield
    except IntegrityViolation:
        detach()
        if (earlier := await keys.replay(asked)) is not None:
            request.state.idempotency = None  # the answer is the other request's, stored already
            raise Replayed(earlier) from None
        raise
    finally:
        detach()


Idempotent = Depends(_idempotent)
"""Put in a creating route's ``dependencies=[...]``: honours an Idempotency-Key on it."""


def install_idempotency(app: FastAPI) -> None:
    """Answer :class:`Replayed` with the stored response."""

    async def on_replayed(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Replayed)
        return exc.response

    app.add_exception_handler(Replayed, on_replayed)


class IdempotencyMiddleware:
    """Stores a claimed request's 2xx answer before sending it, so a retry always finds it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            asked = scope.get("state", {}).get(_STATE)
            if asked is None and not held:
                await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                await self._store(scope, asked, held)
                for each in held:
                    await send(each)

        await self.app(scope, receive, hold)

    @staticmethod
    async def _store(scope: Scope, asked: IdempotentRequest | None, held: list[Message]) -> None:
        start = held[0]
        status = int(start.get("status", 500))
        if asked is None or not 200 <= status < 300:
            return
        body = b"".join(m.get("body", b"") for m in held[1:])
        keys: IdempotencyKeys = scope["app"].state.idempotency
        await keys.answer(asked, status, body)
