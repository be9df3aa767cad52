"""The consumer runtime: reads batches from the bus and applies them to a view, effectively once.

The commit order, per batch (tested in tests/unit/test_consumer.py):

1. Poll a batch of records and decode each; a record that is not a valid event of the catalog is a
   poison record.
2. In ONE database transaction: hold the batch's partitions for this group (another member may be
   reading them too, in another process: :meth:`~shared.store.tracking.TrackingRecorder.hold`),
   read the tracking rows of the batch's partitions, drop records at
   or below the tracked offset (a redelivery), apply the rest to the view, queue poison records on
   the dead-letter topic through the outbox, and move the tracking rows forward. Commit.
   A view that is :class:`~.projection.Committing` then does its after-commit work (outside it).
3. Commit the offsets to the bus.

A crash before step 2 commits redelivers the batch and nothing was applied; a crash between 2 and 3
redelivers records whose tracking says they are applied, and they are skipped. Transient database
errors retry the whole step 2 with backoff, and so do those of a view's ``prepare`` (the key vault
out of reach: see :class:`~.projection.Preparing`), which runs before it. An event whose application
fails for any other reason is isolated (each event in a savepoint) and the consumer's apply-error
policy (``on_apply_error``, see :mod:`.errors`) decides: dead-letter it with the error and go on (the
default), or retry the whole step 2 with backoff.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Sequence

from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from ..bus import Bus, Message, Record, Subscription, TopicPartition
from ..events import CATALOG, MalformedEvent, UnknownEventType, from_record
from ..events.topics import DEAD_LETTERS
from ..store.changes import Changes
from ..store.engine import sync_transaction
from ..store.errors import StoreUnavailable
from ..store.tracking import Position, TrackingRecorder
from . import metrics
from .errors import ApplyErrorPolicy, RetryBatch, dead_letter
from .projection import Committing, Delivery, Preparing, Projection

log = logging.getLogger(__name__)

_POISON = (MalformedEvent, UnknownEventType, ValidationError)

Partition = Position  # (topic, partition): the cheap key of the per-record bookkeeping below


class ConsumerRuntime:
    """Runs one projection as a member of its consumer group until :meth:`stop`.

    ``on_apply_error`` decides what becomes of an event the projection fails to apply: dead-lettered
    (the default, :func:`~.errors.dead_letter`) or its batch retried (see :mod:`.errors`).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        recorder: TrackingRecorder,
        bus: Bus,
        projection: Projection,
        *,
        batch_size: int = 2000,
        poll_timeout_ms: int = 100,
        dead_letter_topic: str = DEAD_LETTERS.name,
        on_dead_letters: Callable[[int], None] | None = None,
        on_apply_error: ApplyErrorPolicy = dead_letter,
    ) -> None:
        self.projection = projection
        self._engine = engine
        self._recorder = recorder
        self._bus = bus
        self._batch_size = batch_size
        self._poll_timeout_ms = poll_timeout_ms
        self._dead_letter_topic = dead_letter_topic
        self._on_dead_letters = on_dead_letters
        self._on_apply_error = on_apply_error
        self._stopping = asyncio.Event()
        self._subscription: Subscription | None = None
        self.applied = 0

    @property
    def group(self) -> str:
        return self.projection.name

    async def run(self) -> None:
        """Consume until :meth:`stop` is called; the batch in hand is finished first."""
        subscription = self._bus.subscribe(self.group, self.projection.topics)
        await subscription.start()
        self._subscription = subscription
        last_lag = 0.0
        try:
            while not self._stopping.is_set():
                records = await subscription.poll(self._batch_size, self._poll_timeout_ms)
                if records:
                    await self.process(records)
                    await subscription.commit(_next_offsets(records))
                if time.monotonic() - last_lag > 1.0:
                    last_lag = time.monotonic()
                    await self._export_lag(subscription)
        finally:
            self._subscription = None
            await subscription.stop()

    def stop(self) -> None:
        """Ask :meth:`run` to finish its batch and leave the group."""
        self._stopping.set()

    async def process(self, records: Sequence[Record]) -> None:
        """Apply a batch to the view and record tracking in one transaction (steps 1–2 above)."""
        started = time.perf_counter()
        deliveries: list[Delivery] = []
        poison: list[tuple[Record, str]] = []
        for record in records:
            try:
                envelope = from_record(record)
                deliveries.append(Delivery(record, envelope, CATALOG.payload(envelope)))
            except _POISON as exc:
                poison.append((record, f"{type(exc).__name__}: {exc}"))
        if isinstance(self.projection, Preparing) and deliveries:
            async for attempt in self._retrying():
                with attempt:
                    await self.projection.prepare(deliveries)
        async for attempt in self._retrying():
            with attempt:
                applied, dead = await sync_transaction(
                    self._engine, lambda connection: self._apply(connection, records, deliveries, list(poison))
                )
        if isinstance(self.projection, Committing):
            await self.projection.committed(self._engine)
        metrics.BATCH_SECONDS.labels(self.group).observe(time.perf_counter() - started)
        self.applied += applied
        if dead and self._on_dead_letters is not None:
            self._on_dead_letters(dead)

    def _retrying(self) -> AsyncRetrying:
        """Tries until the store (or the key vault) answers, or the apply-error policy stops asking for
        a retry, with exponential backoff up to 5 s."""
        return AsyncRetrying(
            retry=retry_if_exception_type((StoreUnavailable, RetryBatch)),
            wait=wait_exponential(multiplier=0.05, max=5),
            before_sleep=lambda state: self._transient(state.outcome.exception() if state.outcome else None),
            reraise=True,
        )

    def _apply(
        self,
        connection: Connection,
        records: Sequence[Record],
        deliveries: list[Delivery],
        poison: list[tuple[Record, str]],
    ) -> tuple[int, int]:
        """Apply the fresh part of a batch; return how many events were applied and dead-lettered."""
        highest = _highest_offsets(records)
        self._recorder.hold(connection, self.group, highest)  # another member may apply these partitions too
        tracked = self._tracked(connection, {topic for topic, _ in highest})
        fresh = [d for d in deliveries if d.record.offset > tracked.get((d.record.topic, d.record.partition), -1)]
        poison = [(r, why) for r, why in poison if r.offset > tracked.get((r.topic, r.partition), -1)]
        metrics.SKIPPED.labels(self.group).inc(len(deliveries) - len(fresh))
        try:
            with connection.begin_nested():
                self.projection.apply(connection, fresh)
            applied = fresh
        except Exception as exc:
            if _unavailable(exc):
                raise
            applied = self._isolate(connection, fresh, poison)
        if poison:
            self._dead_letter(connection, poison)
        self._track(connection, highest, tracked)
        for topic, count in collections.Counter(d.record.topic for d in applied).items():
            metrics.EVENTS.labels(self.group, topic).inc(count)
        return len(applied), len(poison)

    def _isolate(
        self, connection: Connection, deliveries: list[Delivery], poison: list[tuple[Record, str]]
    ) -> list[Delivery]:
        """Apply events one by one, each in a savepoint; the failing ones join ``poison``, unless the
        apply-error policy asks for a retry (:class:`RetryBatch` rolls the whole transaction back)."""
        applied = []
        for delivery in deliveries:
            try:
                with connection.begin_nested():
                    self.projection.apply(connection, [delivery])
                applied.append(delivery)
            except Exception as exc:
                if _unavailable(exc):
                    raise
                if self._on_apply_error(exc, delivery):
                    raise RetryBatch(delivery, exc) from exc
                log.exception("%s: event %s failed", self.group, delivery.envelope.id)
                poison.append((delivery.record, f"{type(exc).__name__}: {exc}"))
        return applied

    def _dead_letter(self, connection: Connection, poison: list[tuple[Record, str]]) -> None:
        messages = [
            Message(
                self._dead_letter_topic,
                record.key,
                record.value,
                (
                    *record.headers,
                    ("kepuri_dlq_error", reason.encode()),
                    ("kepuri_dlq_group", self.group.encode()),
                    ("kepuri_dlq_topic", record.topic.encode()),
                    ("kepuri_dlq_partition", str(record.partition).encode()),
                    ("kepuri_dlq_offset", str(record.offset).encode()),
                ),
            )
            for record, reason in poison
        ]
        for record, reason in poison:
            log.error(
                "%s: dead-lettered %s[%d]@%d: %s", self.group, record.topic, record.partition, record.offset, reason
            )
        self._recorder.write(connection, [Changes(messages=messages)])
        metrics.DEAD_LETTERS.labels(self.group).inc(len(messages))

    def _tracked(self, connection: Connection, topics: set[str]) -> dict[Partition, int]:
        """The tracked offset of every partition of ``topics`` this consumer has applied records from."""
        return self._recorder.tracked(connection, self.group, topics)

    def _track(self, connection: Connection, highest: dict[Partition, int], tracked: dict[Partition, int]) -> None:
        """Move the tracking rows of the batch's partitions to its highest offsets (never back)."""
        self._recorder.track(connection, self.group, highest, tracked)

    async def _export_lag(self, subscription: Subscription) -> None:
        try:
            for tp, lag in (await subscription.lag()).items():
                metrics.LAG.labels(self.group, tp.topic, str(tp.partition)).set(lag)
        except Exception as exc:  # lag is best effort; consuming goes on
            log.debug("lag unavailable: %s", exc)

    def _transient(self, exc: BaseException | None) -> None:
        metrics.ERRORS.labels(self.group).inc()
        log.warning("%s: transient error, retrying: %s", self.group, exc)


def _unavailable(exc: Exception) -> bool:
    """The connection to the database was lost while applying (the driver's error is translated only
    when it leaves the transaction): the whole batch is retried, and none of its events is dead-lettered
    for it. Other driver errors (a projection's bad statement) still isolate the failing event."""
    return isinstance(exc, StoreUnavailable) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def _highest_offsets(records: Sequence[Record]) -> dict[Partition, int]:
    """The highest offset of each partition among ``records``.

    Keyed by plain ``(topic, partition)`` tuples: this runs for every record of every batch, and a tuple
    is several times cheaper to build and hash than a :class:`TopicPartition`.
    """
    highest: dict[Partition, int] = {}
    for record in records:
        key = (record.topic, record.partition)
        if record.offset > highest.get(key, -1):
            highest[key] = record.offset
    return highest


def _next_offsets(records: Sequence[Record]) -> dict[TopicPartition, int]:
    return {
        TopicPartition(topic, partition): offset + 1 for (topic, partition), offset in _highest_offsets(records).items()
    }
