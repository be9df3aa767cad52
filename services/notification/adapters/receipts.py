"""Delivery receipts, whatever arrives first: the provider's receipt or the record of the send.

The dispatcher records a message's provider id only after the whole batch is sent, and after a crash
between sending and recording, only when the resend (same client reference, same provider id) is
recorded, minutes later. A receipt may come before either. So a receipt that matches no recorded id
is **kept** in ``pending_receipts`` (the first one per id; a repeat changes nothing), and the
transaction that records provider ids (:func:`applying_kept`) applies every kept receipt whose id is
now recorded and forgets it. A receipt for a message already settled (delivered or failed) is a
repeat and is dropped. Kept receipts whose id never comes (a receipt for another platform's message,
or one whose message was lost) are dropped by :func:`sweep` after a retention and beyond a count.

On PostgreSQL a receipt being kept and a record of sends could each miss the other's uncommitted
rows (READ COMMITTED); an advisory lock orders them: recording takes it shared, keeping a receipt
takes it exclusively and looks for the id again once it holds it. SQLite writes one at a time anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, case, delete, exists, func, select, text
from sqlalchemy.sql import Executable

from shared.store.upsert import upsert

from .tables import messages, pending_receipts

# An arbitrary 64-bit key of the advisory lock ordering receipts and records ("kepu" "rcpt").
LOCK_KEY = 0x6B657075_72637074
IN_FLIGHT = ("sent", "sending")
Applied = Literal["applied", "repeat", "kept"]


def apply_receipt(
    connection: Connection, provider_message_id: str, delivered: bool, error: str | None, now: datetime
) -> Applied:
    """Apply one receipt: to its message when its id is recorded, else keep it until it is."""
    m = messages
    values: dict[str, Any] = (
        {"state": "delivered"} if delivered else {"state": "failed", "error": (error or "undelivered")[:500]}
    )
    settle = (
        m.update()
        .where(m.c.provider_message_id == provider_message_id, m.c.state.in_(IN_FLIGHT))
        .values(**values, updated_at=now)
    )
    if connection.execute(settle).rowcount:
        return "applied"
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    if connection.execute(settle).rowcount:  # recorded by a transaction that committed meanwhile
        return "applied"
    if connection.scalar(select(m.c.notification_id).where(m.c.provider_message_id == provider_message_id).limit(1)):
        return "repeat"
    row = {
        "provider_message_id": provider_message_id,
        "delivered": delivered,
        "error": None if delivered else (error or "undelivered")[:500],
        "received_at": now,
    }
    upsert(connection, pending_receipts, [row], keys=("provider_message_id",))  # the first one is kept
    return "kept"


def applying_kept(dialect: str, now: datetime) -> list[Executable]:
    """The statements, run after provider ids are recorded in the same transaction, that apply the
    kept receipts of those ids (and of any recorded earlier) and forget them."""
    m, p = messages, pending_receipts
    statements: list[Executable] = []
    if dialect == "postgresql":
        statements.append(text("SELECT pg_advisory_xact_lock_shared(:key)").bindparams(key=LOCK_KEY))

    def kept(column: Any) -> Any:
        return select(column).where(p.c.provider_message_id == m.c.provider_message_id).scalar_subquery()

    statements.append(
        m.update()
        .where(m.c.provider_message_id.in_(select(p.c.provider_message_id)), m.c.state.in_(IN_FLIGHT))
        .values(
            state=case((kept(p.c.delivered), "delivered"), else_="failed"),
            error=case((kept(p.c.delivered), m.c.error), else_=kept(p.c.error)),
            updated_at=now,
        )
    )
    statements.append(delete(p).where(exists().where(m.c.provider_message_id == p.c.provider_message_id)))
    return statements


def sweep(connection: Connection, now: datetime, *, retention: timedelta, keep_at_most: int) -> int:
    """Apply what can be applied, then drop kept receipts older than ``retention`` and all but the
    newest ``keep_at_most``; how many were dropped."""
    for statement in applying_kept(connection.dialect.name, now):
        connection.execute(statement)
    p = pending_receipts
    dropped = connection.execute(delete(p).where(p.c.received_at < now - retention)).rowcount
    if (connection.scalar(select(func.count()).select_from(p)) or 0) > keep_at_most:
        newest = select(p.c.provider_message_id).order_by(p.c.received_at.desc()).limit(keep_at_most)
        dropped += connection.execute(delete(p).where(p.c.provider_message_id.not_in(newest))).rowcount
    return int(dropped)
