"""Rung 3 of the recorder ladder (:mod:`.recorder`): the tracking recorder.

It adds to the outbox recorder what each consumer group has applied: one ``tracking`` row per group,
topic and partition, holding the offset of the last record applied. A consumer reads its rows and
moves them forward in the same transaction as its view's writes (and its dead letters' outbox rows),
so a record redelivered after a crash is recognised as applied and skipped: effectively once (see
:mod:`shared.consumer.runtime`). Positions only move forward.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, select, text

from .outbox import OutboxRecorder
from .upsert import upsert

Position = tuple[str, int]
"""(topic, partition): where a consumer reads. A plain tuple: it is built and hashed for every record."""


class TrackingRecorder(OutboxRecorder):
    """An outbox recorder that also records what each consumer group has applied."""

    def hold(self, connection: Connection, consumer: str, positions: Iterable[Position]) -> None:
        """Make the caller's transaction the only one applying ``consumer``'s records at ``positions``
        until it ends; call it before :meth:`tracked`.

        Two members of one group can read one partition at once (during a rebalance, or a member that
        has not yet seen it lost a partition: in another process, or on another replica), and each
        reads its tracked offsets to skip what the other applied, so the second must read them only
        once the first has committed. On SQLite every write transaction (``BEGIN IMMEDIATE``) already
        excludes the others; on PostgreSQL (READ COMMITTED) a transaction-scoped advisory lock per
        position does, taken in one order so that two transactions never wait for each other. The
        lock names the schema of the tracking rows (``current_schema()``): analytics' replay applies
        the live groups' records to a shadow schema of the same database, and must not wait for the
        live consumers (nor they for it, while its swap holds the live tracking table).
        """
        if connection.dialect.name != "postgresql":
            return
        lock = text("SELECT pg_advisory_xact_lock(:group, hashtext(coalesce(current_schema(), '') || :position))")
        for topic, partition in sorted(set(positions)):
            connection.execute(lock, {"group": _int4(consumer), "position": f"/{topic}/{partition}"})

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


def _int4(name: str) -> int:
    """A stable signed 32-bit number for ``name`` (a key of a two-key advisory lock)."""
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value
