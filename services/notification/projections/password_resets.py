"""Password-reset codes texted to the account's phone, as registration asks on the restricted topic.

One SMS per ``password-reset-requested`` event, keyed by the event's id, so a redelivery texts no one
twice; a code already expired when the event is read (a replay, a long outage) is not sent at all.
The ledger lists the message like any other (recipient masked); its text, which holds the code, is
never in an answer of the API. Such a message is awaited: quiet hours and opt-outs do not hold it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.restricted import PasswordResetRequested
from shared.events.topics import CONTACTS

from ..adapters.reservations import queued_message
from ..service.ports import Texts
from .message_planner import MessagePlanner

PASSWORD_RESET = "password_reset"


class PasswordResetPlanner(MessagePlanner):
    """Reserves the SMS that carries each reset code."""

    name = "notification.password-resets"
    topics: tuple[str, ...] = (CONTACTS.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        now = self._clock()
        rows = [
            row
            for delivery in deliveries
            if isinstance(delivery.payload, PasswordResetRequested)
            and (row := reset_message(delivery.envelope.id, delivery.payload, self._texts, now)) is not None
        ]
        self._reserve(connection, rows)


def reset_message(event_id: str, request: PasswordResetRequested, texts: Texts, now: datetime) -> dict[str, Any] | None:
    """The SMS carrying the code, saying how many minutes it lasts; None once it has expired."""
    if request.expires_at <= now:
        return None
    minutes = max(1, math.ceil((request.expires_at - now).total_seconds() / 60))
    _, text = texts.compose(PASSWORD_RESET, "sms", None, {"code": request.code, "minutes": minutes})
    return queued_message(
        event_id=event_id, recipient=request.phone, channel="sms", kind=PASSWORD_RESET, text=text, now=now
    )
