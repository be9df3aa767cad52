"""Reserving messages in the ledger: one row per (event, recipient, channel), inserted or left alone.

Every planner (thank-yous, review outcomes, password resets, reminders) builds its rows with
:func:`queued_message` and writes them with :func:`reserve`, so a redelivered event, a replay or a
second check never reserves a message twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from shared.events.masking import mask_phone
from shared.store.upsert import upsert_statement

from .tables import messages

INBOX_MASKED = "站内信"


def queued_message(
    *,
    event_id: str,
    recipient: str,
    channel: str,
    kind: str,
    text: str,
    now: datetime,
    subject: str | None = None,
    organizer_id: str | None = None,
    activity_id: str | None = None,
    campaign: str | None = None,
) -> dict[str, Any]:
    """A ledger row queued to go at once; the recipient is masked as answers show it (a phone's middle
    digits hidden; an inbox as 站内信). ``sign`` is left to the platform's approved signature."""
    return {
        "event_id": event_id,
        "recipient": recipient,
        "channel": channel,
        "notification_id": uuid.uuid4().hex,
        "kind": kind,
        "recipient_masked": INBOX_MASKED if channel == "inbox" else mask_phone(recipient),
        "organizer_id": organizer_id,
        "activity_id": activity_id,
        "campaign": campaign,
        "sign": None,
        "subject": subject,
        "text": text,
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def reserve(connection: Connection, rows: Sequence[dict[str, Any]]) -> bool:
    """Insert the rows not reserved yet (the others are left alone); whether there were any rows."""
    if not rows:
        return False
    statement = upsert_statement(connection.dialect.name, messages, ("event_id", "recipient", "channel"))
    connection.execute(statement, list(rows))
    return True


def reminder(
    kind: str,
    campaign: Mapping[str, Any],
    deadline: date,
    left: int,
    recipient: str,
    organizer_id: str | None,
    title: str | None,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    """A reminder in an inbox, keyed ``reminder:<kind>:<campaign>:<deadline>:<days>``: never twice."""
    return queued_message(
        event_id=f"reminder:{kind}:{campaign['campaign_id']}:{deadline.isoformat()}:{left}",
        recipient=recipient,
        channel="inbox",
        kind=kind,
        text=text,
        now=now,
        subject=title,
        organizer_id=organizer_id,
        campaign=campaign["campaign_id"],
    )
