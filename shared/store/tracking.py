"""Rung 3 of the recorder ladder (:mod:`.recorder`): the tracking recorder.

It adds to the outbox recorder what each consumer group has applied: one ``tracking`` row per group,
topic and partition, holding the offset of the last record applied. A consumer reads its rows and
moves them forward in the same transaction as its view's writes (and its dead letters' outbox rows),
so a record redelivered after a crash is recognised as applied and skipped: effectively once (see
:mod:`shared.consumer.runtime`). Positions only move forward.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, select

from .outbox import OutboxRecorder
from .upsert import upsert

Position = tuple[str, int]
"""(topic, partition): where a consumer reads. A plain tuple: it is built and hashed for every record."""


class TrackingRecorder(OutboxRecorder):
    """An outbox recorder that also records what each consumer group has applied."""

    def tracked(self, connection: Connection, consumer: str, topics: Iterable[str]) -> dict[Position, int]:
        """The offset ``consumer`` last applied in each partition of ``topics`` it has applied records from."""
        t = self.tables.tracking
        rows = connection.execute(
            select(t.c.topic, t.c.partition, t.c.offset).where(t.c.consumer == consumer, t.c.topic.in_(set(topics)))
        )
        return {(topic, partition): offset for topic, partition, offset in rows}

    def track(
        self,
        connection: Connection,
        consumer: str,
        offsets: Mapping[Position, int],
        tracked: Mapping[Position, int] | None = None,
    ) -> None:
        """Move ``consumer``'s positions to ``offsets`` in the caller's transaction; never back.

        ``tracked`` is what :meth:`tracked` answered in this same transaction, if the caller has it
        (a consumer does, to skip redeliveries): it saves reading the rows again.
        """
        if not offsets:
            return
        if tracked is None:
            tracked = self.tracked(connection, consumer, {topic for topic, _ in offsets})
        upsert(
            connection,
            self.tables.tracking,
            [
                {
                    "consumer": consumer,
                    "topic": topic,
                    "partition": partition,
                    "offset": max(offset, tracked.get((topic, partition), -1)),
                }
                for (topic, partition), offset in offsets.items()
            ],
            keys=("consumer", "topic", "partition"),
            update={"offset": None},
        )
