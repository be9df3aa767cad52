"""Password-reset codes texted to the account's phone, as registration asks on the restricted topic.

One SMS per ``password-reset-requested`` event, keyed by the event's id, so a redelivery texts no one
twice; a code already expired when the event is read (a replay, a long outage) is not sent at all.
The ledger lists the message like any other (recipient masked); its text, which holds the code, is
never in an answer of the API. Such a message is awaited: quiet hours and opt-outs do not hold it.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.masking import mask_phone
from shared.events.payloads.restricted import PasswordResetRequested
from shared.events.topics import CONTACTS
from shared.store.upsert import upsert_statement

from ..adapters.tables import messages
from .thank_you import Compose

PASSWORD_RESET = "password_reset"


class PasswordResetPlanner:
    """Reserves the SMS that carries each reset code."""

    name = "notification.password-resets"
    topics: tuple[str, ...] = (CONTACTS.name,)

    def __init__(
        self,
        compose: Compose,
        on_reserved: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._compose = compose
        self._on_reserved = on_reserved
        self._clock = clock

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        now = self._clock()
        rows = []
        for delivery in deliveries:
            payload = delivery.payload
            if not isinstance(payload, PasswordResetRequested) or payload.expires_at <= now:
                continue
            minutes = max(1, math.ceil((payload.expires_at - now).total_seconds() / 60))
            _, text = self._compose(PASSWORD_RESET, "sms", None, {"code": payload.code, "minutes": minutes})
            rows.append(
                {
                    "event_id": delivery.envelope.id,
                    "recipient": payload.phone,
                    "channel": "sms",
                    "notification_id": uuid.uuid4().hex,
                    "kind": PASSWORD_RESET,
                    "recipient_masked": mask_phone(payload.phone),
                    "organizer_id": None,
                    "activity_id": None,
                    "campaign": None,
                    "sign": None,
                    "subject": None,
                    "text": text,
                    "state": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if rows:
            statement = upsert_statement(connection.dialect.name, messages, ("event_id", "recipient", "channel"))
            connection.execute(statement, rows)
            if self._on_reserved is not None:
                self._on_reserved()
