"""Idempotency-Key handling: a retried POST gets the first answer again and writes nothing new.

The first request's response is stored in the service's ``idempotency_keys`` table in the same
transaction as its events, so either both exist or neither does. A key is scoped to the route and
the caller; reusing it with a different body is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..store.recorder import Insert
from ..store.tables import BackboneTables
from .problems import Problem

HEADER = "Idempotency-Key"


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

    async def replay(self, request: IdempotentRequest) -> Response | None:
        """The stored response of an earlier request with the same key, or None."""
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
        if row is None:
            return None
        if row.fingerprint != request.fingerprint:
            raise Problem(
                422,
                "Idempotency-Key 已用于其他请求 (key reused)",
                "This Idempotency-Key was already used with a different request body",
            )
        return Response(
            row.body,
            status_code=row.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )

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
