"""The outbox relay: publishes committed outbox rows to the bus in commit order, then marks them.

Order of work, per batch: read the oldest unpublished rows (by id), publish them (the bus returns
only once they are durable), mark exactly those rows published. A crash between publishing and
marking publishes the batch again after restart: delivery is at least once, which consumers absorb
(they are idempotent). While the bus is down the rows wait and the relay retries with backoff; the
write path never depends on the bus.

On PostgreSQL several replicas of a service share one outbox: only the replica holding an advisory
lock relays, so rows with one key are never published out of order by two relays. The lock lives as
long as the database session that took it: a database restart ends the session and frees the lock
for another replica. So before publishing each batch the relay checks that its session still
answers; when it does not, the relay stops publishing and queues for the lock again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..bus import Bus, BusError, Message
from ..bus.message import decode_headers
from .engine import is_sqlite, reading, sync_transaction
from .errors import StoreError
from .tables import BackboneTables

log = logging.getLogger(__name__)

PUBLISHED = Counter("kepuri_outbox_published_total", "Outbox rows published to the bus", ["service"])
BACKLOG = Gauge("kepuri_outbox_backlog", "Outbox rows waiting to be published", ["service"])
FAILURES = Counter("kepuri_outbox_publish_failures_total", "Failed attempts to publish the outbox", ["service"])


class LockLost(StoreError):
    """The database session that held the relay lock is gone: another replica may relay now."""


async def _answers(connection: AsyncConnection) -> bool:
    try:
        await connection.execute(text("SELECT 1"))
        await connection.rollback()
    except (SQLAlchemyError, OSError):
        return False
    return True


class OutboxRelay:
    """Moves a service's outbox to the bus; run it as a task with :meth:`run`."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: BackboneTables,
        bus: Bus,
        *,
        service: str,
        batch_size: int = 5000,
        idle_interval: float = 0.05,
        max_backoff: float = 5.0,
    ) -> None:
        self._engine = engine
        self._outbox = tables.outbox
        self._bus = bus
        self._service = service
        self._batch_size = batch_size
        self._idle_interval = idle_interval
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._holding: AsyncConnection | None = None  # the session holding the relay lock (PostgreSQL)

    def wake(self, _count: int = 0) -> None:
        """Tell the relay new rows were committed (the writer's ``on_commit`` hook)."""
        self._wake.set()

    async def backlog(self) -> int:
        """Rows not yet published."""
        query = select(func.count()).select_from(self._outbox).where(self._outbox.c.published_at.is_(None))
        count = await reading(self._engine, lambda connection: connection.scalar(query))
        return int(count or 0)

    async def relay_once(self) -> int:
        """Publish one batch of the oldest unpublished rows; return how many were published."""
        o = self._outbox
        query = (
            select(o.c.id, o.c.topic, o.c.key, o.c.value, o.c.headers)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.id)
            .limit(self._batch_size)
        )

        async def unpublished(connection: AsyncConnection) -> Sequence[Any]:
            return (await connection.execute(query)).all()

        # through ``reading``: a database outage is a StoreUnavailable the loop waits out, not the relay's end
        rows = await reading(self._engine, unpublished)
        if not rows:
            return 0
        if self._holding is not None and not await _answers(self._holding):
            raise LockLost(f"the {self._service} relay's database session ended, and with it its lock")
        # unpacked as tuples: looking a Row's columns up by name costs about 0.5 µs each, on every row relayed
        await self._bus.publish(
            [Message(topic, key, value, decode_headers(headers)) for _, topic, key, value, headers in rows]
        )
        mark = o.update().where(o.c.id.in_([row[0] for row in rows])).values(published_at=datetime.now(UTC))
        await sync_transaction(self._engine, lambda connection: connection.execute(mark))
        PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def run(self) -> None:
        """Relay until cancelled, holding the relay lock on PostgreSQL (taken again when it is lost)."""
        if is_sqlite(self._engine):
            await self._loop()
            return
        backoff = 0.05
        while True:
            try:
                async with self._engine.connect() as lock_connection:
                    await self._acquire_lock(lock_connection)
                    backoff = 0.05
                    self._holding = lock_connection
                    try:
                        await self._loop()
                    finally:
                        self._holding = None
            except LockLost as exc:
                log.warning("outbox relay: %s; queueing for the lock again", exc)
            except (SQLAlchemyError, OSError, StoreError) as exc:  # the database is away: try again
                log.warning("outbox relay: cannot take the relay lock (%s); retrying in %.2fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def _acquire_lock(self, connection: AsyncConnection) -> None:
        key = zlib.crc32(f"kepuri-relay-{self._service}".encode())
        while not await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
            await connection.rollback()
            await asyncio.sleep(1.0)
        await connection.commit()

    async def _loop(self) -> None:
        backoff = 0.05
        measured = 0.0
        while True:
            try:
                if time.monotonic() - measured > 2.0:  # the backlog gauge, every couple of seconds
                    measured = time.monotonic()
                    BACKLOG.labels(self._service).set(await self.backlog())
                published = await self.relay_once()
                backoff = 0.05
            except LockLost:
                raise
            except (BusError, StoreError) as exc:
                FAILURES.labels(self._service).inc()
                log.warning("outbox relay: %s; retrying in %.2fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published < self._batch_size:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
                # arrives as the wait ends (CPython gh-86296), and the relay would outlive stop()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_interval):
                        await self._wake.wait()
