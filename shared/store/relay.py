"""The outbox relay: publishes committed outbox rows to the bus in commit order, then marks them.

Order of work, per batch: read the oldest unpublished rows (by id), publish them (the bus returns
only once they are durable), mark exactly those rows published. A crash between publishing and
marking publishes the batch again after restart: delivery is at least once, which consumers absorb
(they are idempotent). While the bus is down the rows wait and the relay retries with backoff; the
write path never depends on the bus.

On PostgreSQL several replicas of a service share one outbox: only the replica holding an advisory
lock relays, so rows with one key are never published out of order by two relays. The lock lives as
long as the database session that took it, and a session can end (a database restart, a dropped
connection) or lose its locks (a pooler's ``DISCARD ALL``) while the relay is busy, so leadership is
made safe in three steps:

1. before each batch the holder asks ``pg_locks`` whether *its own session* still holds the lock (a
   session that merely answers is not enough: a reconnected or reset session answers too);
2. the batch must be published within ``lease_s`` of that answer; a publish that takes longer is
   cancelled and the relay gives up the lock, since another replica may hold it by then;
3. a relay that takes the lock waits ``takeover_s`` before it publishes anything, unless it held
   the lock last itself, so whatever a previous holder still had in flight (its lease, plus what
   the bus may still deliver of a cancelled publish: Kafka's request timeout) has landed or been
   dropped. Without it that stale batch could land after the new holder's newer rows of one key.
   A relay cannot see a holder whose session has already ended (after a database restart every
   waiting replica takes the lock at its first try), so "held it last" is known only from this
   relay's own history: set when it takes the lock, forgotten as soon as it finds the lock held by
   another session. A fresh relay therefore waits once at start.

On a SQLite file, several processes (a service's API workers beside its background process, or a
second background process during a restart) share one outbox too. There the relay lock is an
exclusive ``flock`` on a file beside the database (``<database>-relay.lock``), taken without waiting
and tried again every second: the operating system drops it only when its holder releases it or dies,
so unlike a database session it cannot be lost while its relay is busy, and needs no lease. A relay
that had to wait for it waits ``takeover_s`` after taking it, as above; one that takes it at its first
try does not (the embedded log drops the batch of a process that died mid-publish with the process).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
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


_HOLDS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :key)"
)


def _lock_key(service: str) -> int:
    return zlib.crc32(f"kepuri-relay-{service}".encode())


async def _holds(connection: AsyncConnection, key: int) -> bool:
    """Whether this very session still holds the relay lock ``key`` (False when it does not answer)."""
    try:
        held = bool(await connection.scalar(_HOLDS, {"key": key}))
        await connection.rollback()
    except (SQLAlchemyError, OSError):
        return False
    return held


async def _close_session(connection: AsyncConnection) -> None:
    with contextlib.suppress(SQLAlchemyError, OSError):
        await connection.invalidate()


class FileLock:
    """The relay lock of a SQLite file: an exclusive ``flock`` on ``path``, held until released or its process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other holder has it (True), without waiting; taking it twice is a no-op."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor of the open file frees its flock


def _file_lock(engine: AsyncEngine) -> FileLock | None:
    """The relay lock of a SQLite file's outbox (None: an in-memory database, one process only)."""
    database = engine.url.database
    if database in (None, "", ":memory:") or str(database).startswith("file:"):
        return None
    path = Path(str(database))
    return FileLock(path.with_name(f"{path.name}-relay.lock"))


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
        lease_s: float = 10.0,
        takeover_s: float = 45.0,
    ) -> None:
        self._engine = engine
        self._outbox = tables.outbox
        self._bus = bus
        self._service = service
        self._batch_size = batch_size
        self._idle_interval = idle_interval
        self._max_backoff = max_backoff
        self._lease_s = lease_s
        self._takeover_s = takeover_s
        self._lock_key = _lock_key(service)
        self._wake = asyncio.Event()
        self._holding: AsyncConnection | None = None  # the session holding the relay lock (PostgreSQL)
        self._file_lock = _file_lock(engine) if is_sqlite(engine) else None  # the relay lock (SQLite file)
        self._held_last = False  # no other session has held the relay lock since this relay held it

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
        # unpacked as tuples: looking a Row's columns up by name costs about 0.5 µs each, on every row relayed
        messages = [Message(topic, key, value, decode_headers(headers)) for _, topic, key, value, headers in rows]
        if self._holding is None:
            await self._bus.publish(messages)
        else:
            await self._publish_while_holding(self._holding, messages)
        mark = o.update().where(o.c.id.in_([row[0] for row in rows])).values(published_at=datetime.now(UTC))
        await sync_transaction(self._engine, lambda connection: connection.execute(mark))
        PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _publish_while_holding(self, holding: AsyncConnection, messages: list[Message]) -> None:
        """Publish only while the lock is held: checked just before, and the publish bounded by the lease."""
        loop = asyncio.get_running_loop()
        asked = loop.time()  # the lease runs from before the question, never from the answer
        if not await _holds(holding, self._lock_key):
            raise LockLost(f"the {self._service} relay's database session no longer holds the relay lock")
        try:
            async with asyncio.timeout_at(asked + self._lease_s):
                await self._bus.publish(messages)
        except TimeoutError:
            raise LockLost(
                f"publishing a batch took longer than the {self._lease_s:g} s lease; another replica may relay now"
            ) from None

    async def flush(self) -> int:
        """Publish one last batch at stop, but on PostgreSQL only if the relay lock is free to take now.

        A replica that does not hold the lock must not publish beside the one that does; what it
        leaves waits in the outbox for the holder.
        """
        if is_sqlite(self._engine):
            lock = self._file_lock
            if lock is None or lock.held:  # no other process, or this relay holds the lock already
                return await self.relay_once()
            if not lock.try_acquire():
                return 0  # another process relays: the rows are its to publish
            try:
                return await self.relay_once()
            finally:
                lock.release()
        async with self._engine.connect() as connection:
            try:
                if not await self._try_lock(connection) or not self._held_last:
                    return 0  # held by another session, or maybe just now: leave the rows to the next holder
                await connection.commit()
                self._holding = connection
                return await self.relay_once()
            finally:
                self._holding = None
                await _close_session(connection)

    async def run(self) -> None:
        """Relay until cancelled, holding the relay lock on PostgreSQL (taken again when it is lost)."""
        if is_sqlite(self._engine):
            await self._run_on_file()
            return
        backoff = 0.05
        while True:
            try:
                async with self._engine.connect() as lock_connection:
                    await self._acquire_lock(lock_connection)
                    backoff = 0.05
                    if not self._held_last:  # someone may have held it: let what they had in flight land
                        log.info("outbox relay: took the relay lock; publishing in %g s", self._takeover_s)
                        await asyncio.sleep(self._takeover_s)
                        if not await _holds(lock_connection, self._lock_key):  # lost while waiting
                            raise LockLost(f"the {self._service} relay lost its lock while taking it over")
                    self._held_last = True
                    self._holding = lock_connection
                    try:
                        await self._loop()
                    finally:
                        self._holding = None
                        # closing the session is what frees a session lock: a connection handed back to
                        # the pool would keep holding it (a rollback does not release advisory locks)
                        await _close_session(lock_connection)
            except LockLost as exc:
                log.warning("outbox relay: %s; queueing for the lock again", exc)
            except (SQLAlchemyError, OSError, StoreError) as exc:  # the database is away: try again
                log.warning("outbox relay: cannot take the relay lock (%s); retrying in %.2fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def _run_on_file(self) -> None:
        """Relay a SQLite file's outbox while this process holds its relay lock (see the module's doc)."""
        lock = self._file_lock
        if lock is None:
            await self._loop()
            return
        waited = False
        try:
            while not lock.try_acquire():
                if not waited:
                    log.info("outbox relay: another process relays %s; waiting for its lock", lock.path)
                waited = True
                await asyncio.sleep(1.0)
            if waited:  # its holder may have had a batch in flight: let it land first
                log.info("outbox relay: took the relay lock; publishing in %g s", self._takeover_s)
                await asyncio.sleep(self._takeover_s)
            await self._loop()
        finally:
            lock.release()

    async def _acquire_lock(self, connection: AsyncConnection) -> None:
        """Take the relay lock on ``connection``, waiting as long as another session holds it."""
        while not await self._try_lock(connection):
            await connection.rollback()
            await asyncio.sleep(1.0)
        await connection.commit()

    async def _try_lock(self, connection: AsyncConnection) -> bool:
        taken = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._lock_key}))
        if not taken:
            self._held_last = False
        return taken

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
