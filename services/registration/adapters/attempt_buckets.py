"""The account limits' buckets in registration's database (``attempt_buckets``), shared by every
process of the service: N API workers or replicas enforce one limit together.

A bucket is a row (limit, key, tokens, counted_at): its ``tokens`` as counted at ``counted_at``, in
seconds since the epoch (the wall clock, the one every process and host shares); it refills at the
limit's rate up to ``allowed``. No row is a full bucket. The key is kept as an HMAC of the login,
phone or address under a secret every process of the service has (its token-signing key), so the
table holds no phone number in the clear. One attempt's take is one write transaction:
on SQLite it holds the file's write lock; on PostgreSQL it locks the attempt's rows in key order, so
two attempts sharing an address wait for each other rather than deadlock. A refused attempt writes
nothing but the rows it lacked (full buckets). At most every ``sweep_seconds``, a take first deletes
the rows of buckets that have refilled, so a flood of new logins or addresses leaves a row per key
for about the limit's window.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, and_, bindparam, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import sync_transaction
from shared.store.upsert import upsert

from ..service.ports import Attempt, AttemptBuckets, Limit
from .tables import attempt_buckets

b = attempt_buckets.c


class SqlAttemptBuckets(AttemptBuckets):
    def __init__(
        self,
        engine: AsyncEngine,
        secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
        sweep_seconds: float = 60.0,
    ) -> None:
        self._engine = engine
        self._secret = hashlib.sha256(b"kepuri attempt buckets\0" + secret).digest()
        self._clock = clock
        self._sweep_seconds = sweep_seconds
        self._swept_at = clock()
        self._limits: dict[str, Limit] = {}  # the limits this process has counted, for the sweep

    def _bucket(self, attempt: Attempt) -> tuple[str, str]:
        limit, key = attempt
        return limit.name, hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    async def take(self, attempts: Sequence[Attempt]) -> int | None:
        self._limits.update((limit.name, limit) for limit, _key in attempts)
        now = self._clock()
        if now - self._swept_at >= self._sweep_seconds:
            await self.sweep()
        by_bucket = {self._bucket(attempt): attempt[0] for attempt in attempts}
        return await sync_transaction(self._engine, lambda connection: _take(connection, by_bucket, now))

    async def give_back(self, attempts: Sequence[Attempt]) -> None:
        buckets = sorted(((self._bucket(attempt), attempt[0]) for attempt in attempts), key=lambda item: item[0])

        def give(connection: Connection) -> None:
            for (name, key), limit in buckets:
                tokens = case((b.tokens + 1 > limit.allowed, float(limit.allowed)), else_=b.tokens + 1)
                connection.execute(
                    update(attempt_buckets).where(b.limit_name == name, b.key == key).values(tokens=tokens)
                )

        await sync_transaction(self._engine, give)

    async def sweep(self) -> int:
        """Delete the rows of buckets that have refilled (a full bucket needs none); how many."""
        now, limits = self._clock(), list(self._limits.values())
        self._swept_at = now

        def sweep(connection: Connection) -> int:
            deleted = 0
            for limit in limits:
                full = b.tokens + (now - b.counted_at) * limit.per_second >= limit.allowed
                deleted += connection.execute(
                    delete(attempt_buckets).where(and_(b.limit_name == limit.name, full))
                ).rowcount
            return deleted

        return await sync_transaction(self._engine, sweep)


def _take(connection: Connection, attempts: dict[tuple[str, str], Limit], now: float) -> int | None:
    keys = sorted(attempts)
    full = [{"limit_name": n, "key": k, "tokens": float(attempts[n, k].allowed), "counted_at": now} for n, k in keys]
    upsert(connection, attempt_buckets, full, keys=("limit_name", "key"))  # a bucket not counted yet is full
    tokens: dict[tuple[str, str], float] = {}
    for name, key in keys:  # in key order, locking each row on PostgreSQL
        query = select(b.tokens, b.counted_at).where(b.limit_name == name, b.key == key).with_for_update()
        held, counted_at = connection.execute(query).one()
        limit = attempts[name, key]
        tokens[name, key] = min(float(limit.allowed), held + max(0.0, now - counted_at) * limit.per_second)
    waits = [wait for k, n in tokens.items() if (wait := attempts[k].seconds_until_one(n)) is not None]
    if waits:
        return max(waits)
    connection.execute(
        update(attempt_buckets)
        .where(b.limit_name == bindparam("name"), b.key == bindparam("bucket"))
        .values(tokens=bindparam("left"), counted_at=now),
        [{"name": name, "bucket": key, "left": n - 1.0} for (name, key), n in tokens.items()],
    )
    return None
