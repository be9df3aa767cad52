"""Reads and acts on the ledger for the API: what was sent in an organizer's name, resends, receipts,
opt-outs. The clear recipient never leaves this module: answers carry the masked one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from shared.auth import Principal
from shared.store import sync_reading, sync_transaction

from ..adapters import ledger_queries as queries
from ..adapters.receipts import Applied, apply_receipt
from ..domain.delivery import QUIET_HOURS, Quiet, not_before, status_text
from ..domain.errors import NotFound
from .ports import Clock, utc_now
from .reminders import body_inbox


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    counts: dict[str, int]
    next_offset: int | None


class Ledger:
    def __init__(self, engine: Any, clock: Clock = utc_now, quiet: Quiet = QUIET_HOURS) -> None:
        self._engine = engine
        self._clock = clock
        self._quiet = quiet

    def _public(self, row: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
        """A message as answered: when a queued one goes (``not_before``) and a text for people."""
        item = dict(row)
        due = item.pop("next_attempt_at")
        when = not_before(item["state"], item["channel"], due, now, self._quiet)
        return {
            **item,
            "not_before": when,
            "status_text": status_text(item["state"], when, now, item["attempts"], item["error"]),
        }

    async def page(
        self,
        principal: Principal,
        *,
        state: str | None,
        kind: str | None,
        activity_id: str | None,
        offset: int,
        limit: int,
    ) -> Page:
        """Messages sent in the organizer's name (admins: all), newest first, with counts per state."""
        organizer_id = None if principal.role == "admin" else principal.unit_id
        now = self._clock()

        def read(connection: Connection) -> Page:
            rows, counts = queries.messages_page(
                connection,
                organizer_id=organizer_id,
                state=state,
                kind=kind,
                activity_id=activity_id,
                offset=offset,
                limit=limit,
            )
            items = [self._public(r, now) for r in rows[:limit]]
            return Page(items, counts, offset + limit if len(rows) > limit else None)

        return await sync_reading(self._engine, read)

    async def inbox(self, principal: Principal, *, offset: int, limit: int) -> Page:
        """The caller's in-app messages, newest first, once they are delivered: an organizer's (review
        outcomes, deadline reminders), or a reviewer's body's (recommendation deadlines)."""
        recipient = body_inbox(principal.level or "", principal.jurisdiction) if principal.role == "reviewer" else None

        def read(connection: Connection) -> Page:
            rows, total = queries.inbox_page(
                connection, recipient=recipient, organizer_id=principal.unit_id, offset=offset, limit=limit
            )
            return Page(rows[:limit], {"total": total}, offset + limit if len(rows) > limit else None)

        return await sync_reading(self._engine, read)

    async def resend(self, notification_id: str) -> dict[str, Any]:
        """Queue a message again (an admin's decision, e.g. after a permanent failure was fixed).

        A message to an erased person is not found: there is nobody to send it to any more."""
        now = self._clock()
        found = await sync_transaction(self._engine, lambda c: queries.requeue(c, notification_id, now))
        if found is None:
            raise NotFound("message", f"No message {notification_id}")
        return self._public(found, now)

    async def receipt(self, provider_message_id: str, delivered: bool, error: str | None) -> Applied:
        """A provider's delivery receipt: sent → delivered (or failed with its reason); kept until its
        message's provider id is recorded when it comes first (see :mod:`..adapters.receipts`)."""
        now = self._clock()
        return await sync_transaction(
            self._engine, lambda c: apply_receipt(c, provider_message_id, delivered, error, now)
        )

    async def opt_out(self, recipient: str, source: str) -> None:
        """Record that ``recipient`` wants no more messages (kept once; the first time is kept)."""
        at = datetime.now(UTC)
        await sync_transaction(self._engine, lambda c: queries.keep_opt_out(c, recipient, source, at))
