"""The replay's batch: every record decoded once, every projection applied in one transaction.

Live, each projection is its own consumer (:class:`~shared.consumer.ConsumerRuntime`) and decodes the
records of its topics itself. The replay reads the union of their topics once, so it decodes each
record once and applies the batch to every projection in ONE transaction on the shadow, with what a
live consumer's transaction does for each: its tracking rows read, records at or below them skipped,
its view applied (each projection's own ``apply``: the same code and the same bulk writes as live),
an event that fails isolated in a savepoint and left out as the live consumer would dead-letter it,
its tracking moved forward. So the shadow's views and tracking are what the live consumers would
have built from the same records.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from shared.bus import Record
from shared.consumer import Delivery, Projection
from shared.events import CATALOG, MalformedEvent, UnknownEventType, from_record
from shared.store import Recorder, sync_transaction
from shared.store.errors import StoreUnavailable

log = logging.getLogger(__name__)
POISON = (MalformedEvent, UnknownEventType, ValidationError)
Position = tuple[str, int]


class BatchApplier:
    """Applies batches of records to every projection on the shadow database."""

    def __init__(self, shadow: AsyncEngine, recorder: Recorder, projections: Sequence[Projection]) -> None:
        self.shadow = shadow
        self.recorder = recorder
        self.projections = [(p, frozenset(p.topics)) for p in projections]
        self.skipped = 0  # records no projection could apply (poison, or failing events)

    async def process(self, records: Sequence[Record]) -> None:
        deliveries: list[Delivery] = []
        for record in records:
            try:
                envelope = from_record(record)
                deliveries.append(Delivery(record, envelope, CATALOG.payload(envelope)))
            except POISON as exc:
                log.warning("replay: %s[%d]@%d is no event: %s", record.topic, record.partition, record.offset, exc)
                self.skipped += 1
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(StoreUnavailable), wait=wait_exponential(multiplier=0.05, max=5), reraise=True
        ):
            with attempt:
                await sync_transaction(self.shadow, lambda connection: self._apply(connection, records, deliveries))

    def _apply(self, connection: Connection, records: Sequence[Record], deliveries: list[Delivery]) -> None:
        for projection, topics in self.projections:
            highest: dict[Position, int] = {}
            for record in records:
                if record.topic in topics:
                    key = (record.topic, record.partition)
                    if record.offset > highest.get(key, -1):
                        highest[key] = record.offset
            if not highest:
                continue
            tracked = self.recorder.tracked(connection, projection.name, {topic for topic, _ in highest})
            fresh = [
                d
                for d in deliveries
                if d.record.topic in topics and d.record.offset > tracked.get((d.record.topic, d.record.partition), -1)
            ]
            if fresh:
                self._project(connection, projection, fresh)
            self.recorder.track(connection, projection.name, highest, tracked)

    def _project(self, connection: Connection, projection: Projection, fresh: list[Delivery]) -> None:
        try:
            with connection.begin_nested():
                projection.apply(connection, fresh)
            return
        except StoreUnavailable:
            raise
        except Exception:
            log.warning("replay: %s: a batch failed, applying its events one by one", projection.name)
        for delivery in fresh:  # as the live consumer isolates them: the failing ones are left out
            try:
                with connection.begin_nested():
                    projection.apply(connection, [delivery])
            except StoreUnavailable:
                raise
            except Exception:
                log.exception("replay: %s: event %s failed", projection.name, delivery.envelope.id)
                self.skipped += 1
