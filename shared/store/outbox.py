"""Rung 2 of the recorder ladder (:mod:`.recorder`): the outbox recorder.

It adds to the aggregate recorder a transactional outbox: each appended event also becomes an outbox
row holding the encoded CloudEvents message, in the same transaction as the event, and so do the
plain ``messages`` of a change (restricted-topic events, dead letters). The outbox's ids give every
message a total order (commit order), and the relay (:mod:`.relay`) publishes exactly what was
recorded, in that order: nothing reaches the bus that was not committed, and nothing committed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from ..bus.message import Message, encode_headers
from ..events import CATALOG, Envelope, to_message
from .aggregates import AggregateRecorder, write_tables
from .changes import Changes
from .inserts import insert_plain
from .tables import BackboneTables

TopicRouter = Callable[[Envelope], str]


def catalog_topic(envelope: Envelope) -> str:
    """The topic the catalog assigns to an event's type."""
    return CATALOG[envelope.type].topic.name


class OutboxRecorder(AggregateRecorder):
    """An aggregate recorder that also writes every event, and every plain message, to the outbox."""

    def __init__(self, tables: BackboneTables, topic_for: TopicRouter = catalog_topic) -> None:
        super().__init__(tables)
        self.topic_for = topic_for

    def write(self, connection: Connection, batch: Sequence[Changes]) -> None:
        """Write the events, outbox rows, statements and inserts of already-checked changes.

        Synchronous, so that a whole batch is one call on the driver's side (:func:`~.engine.sync_transaction`).
        """
        self.record_events(connection, batch)
        self.record_messages(connection, batch)
        write_tables(connection, batch)

    def record_messages(self, connection: Connection, batch: Sequence[Changes]) -> None:
        """Insert an outbox row for every appended event of ``batch`` (its CloudEvent), then its plain messages."""
        now = datetime.now(UTC)
        rows: list[dict[str, object]] = []
        for changes in batch:
            for append in changes.appends:
                rows.extend(_outbox_row(to_message(e, self.topic_for(e)), now) for e in append.events)
            rows.extend(_outbox_row(message, now) for message in changes.messages)
        insert_plain(connection, self.tables.outbox, rows)


def _outbox_row(message: Message, now: datetime) -> dict[str, object]:
    return {
        "topic": message.topic,
        "key": message.key,
        "value": message.value,
        "headers": encode_headers(message.headers),
        "created_at": now,
    }
