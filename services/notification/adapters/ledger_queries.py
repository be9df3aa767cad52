"""The ledger's queries and small writes for the API: pages of messages (newest first) with counts per
state, an inbox, a resend, an opt-out. Only public columns are read: the clear recipient stays here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shared.store.upsert import upsert

from .tables import messages, opt_outs

PUBLIC_COLUMNS = (
    "notification_id",
    "kind",
    "channel",
    "recipient_masked",
    "activity_id",
    "campaign",
    "state",
    "attempts",
    "provider_message_id",
    "error",
    "created_at",
    "updated_at",
    "next_attempt_at",  # answered as not_before, for a queued message
)
INBOX_COLUMNS = ("notification_id", "kind", "activity_id", "campaign", "subject", "text", "created_at")


def messages_page(
    connection: Connection,
    *,
    organizer_id: str | None,
    state: str | None,
    kind: str | None,
    activity_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Up to ``limit + 1`` messages from ``offset`` (of ``organizer_id``; None: everyone's), newest first,
    and the counts per state of the same scope (not filtered by ``state``)."""
    m = messages
    scope = [m.c.organizer_id == organizer_id] if organizer_id is not None else []
    if kind:
        scope.append(m.c.kind == kind)
    if activity_id:
        scope.append(m.c.activity_id == activity_id)
    listed = scope + ([m.c.state == state] if state else [])
    columns = [m.c[name] for name in PUBLIC_COLUMNS]
    newest = select(*columns).where(*listed).order_by(m.c.created_at.desc(), m.c.notification_id)
    rows = [dict(r) for r in connection.execute(newest.offset(offset).limit(limit + 1)).mappings()]
    by_state = select(m.c.state, func.count()).where(*scope).group_by(m.c.state)
    counts = {str(found): int(n) for found, n in connection.execute(by_state).all()}
    return rows, counts


def inbox_page(
    connection: Connection, *, recipient: str | None, organizer_id: str | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit + 1`` in-app messages delivered to ``recipient`` (else to ``organizer_id``), newest
    first, and how many there are."""
    m = messages
    whose = m.c.recipient == recipient if recipient is not None else m.c.organizer_id == organizer_id
    mine = [m.c.channel == "inbox", whose, m.c.state.in_(("sent", "delivered"))]
    columns = [m.c[name] for name in INBOX_COLUMNS]
    newest = select(*columns).where(*mine).order_by(m.c.created_at.desc(), m.c.notification_id)
    rows = [dict(r) for r in connection.execute(newest.offset(offset).limit(limit + 1)).mappings()]
    total = int(connection.scalar(select(func.count()).select_from(m).where(*mine)) or 0)
    return rows, total


def requeue(connection: Connection, notification_id: str, now: datetime) -> dict[str, Any] | None:
    """Queue a message again (its public columns, as now); None when there is none, or it went to an
    erased person (nobody to send it to any more)."""
    m = messages
    found = (
        connection.execute(
            select(*(m.c[n] for n in PUBLIC_COLUMNS)).where(
                m.c.notification_id == notification_id, m.c.recipient.not_like("erased:%")
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        return None
    again = {"state": "queued", "attempts": 0, "next_attempt_at": now, "error": None, "updated_at": now}
    connection.execute(m.update().where(m.c.notification_id == notification_id).values(again))
    return {**dict(found), **again}


def keep_opt_out(connection: Connection, recipient: str, source: str, at: datetime) -> None:
    """Record an opt-out (the first one is kept)."""
    upsert(connection, opt_outs, [{"recipient": recipient, "source": source, "at": at}], keys=("recipient",))
