"""Reads and acts on the ledger for the API: what was sent in an organizer's name, resends, receipts,
opt-outs. The clear recipient never leaves this module: answers carry the masked one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shared.auth import Principal
from shared.store import sync_reading, sync_transaction
from shared.store.upsert import upsert

from ..adapters.receipts import Applied, apply_receipt
from ..adapters.tables import messages, opt_outs
from ..domain.delivery import QUIET_HOURS, Quiet, not_before, status_text
from ..domain.errors import NotFound
from .reminders import body_inbox

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


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    counts: dict[str, int]
    next_offset: int | None


class Ledger:
    def __init__(
        self, engine: Any, clock: Callable[[], datetime] = lambda: datetime.now(UTC), quiet: Quiet = QUIET_HOURS
    ) -> None:
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
        m = messages
        scope = [m.c.organizer_id == principal.unit_id] if principal.role != "admin" else []
        if kind:
            scope.append(m.c.kind == kind)
        if activity_id:
            scope.append(m.c.activity_id == activity_id)
        listed = scope + ([m.c.state == state] if state else [])
        columns = [m.c[name] for name in PUBLIC_COLUMNS]

        now = self._clock()

        def read(connection: Connection) -> Page:
            newest = select(*columns).where(*listed).order_by(m.c.created_at.desc(), m.c.notification_id)
            rows = connection.execute(newest.offset(offset).limit(limit + 1)).mappings().all()
            by_state = select(m.c.state, func.count()).where(*scope).group_by(m.c.state)
            counts = {str(state): int(n) for state, n in connection.execute(by_state).all()}
            items = [self._public(r, now) for r in rows[:limit]]
            return Page(items, counts, offset + limit if len(rows) > limit else None)

        return await sync_reading(self._engine, read)

    async def inbox(self, principal: Principal, *, offset: int, limit: int) -> Page:
        """The caller's in-app messages, newest first, once they are delivered: an organizer's (review
        outcomes, deadline reminders), or a reviewer's body's (recommendation deadlines)."""
        m = messages
        if principal.role == "reviewer":
            whose = m.c.recipient == body_inbox(principal.level or "", principal.jurisdiction)
        else:
            whose = m.c.organizer_id == principal.unit_id
        mine = [m.c.channel == "inbox", whose, m.c.state.in_(("sent", "delivered"))]
        columns = [m.c.notification_id, m.c.kind, m.c.activity_id, m.c.campaign, m.c.subject, m.c.text, m.c.created_at]

        def read(connection: Connection) -> Page:
            newest = select(*columns).where(*mine).order_by(m.c.created_at.desc(), m.c.notification_id)
            rows = connection.execute(newest.offset(offset).limit(limit + 1)).mappings().all()
            total = int(connection.scalar(select(func.count()).select_from(m).where(*mine)) or 0)
            items = [dict(r) for r in rows[:limit]]
            return Page(items, {"total": total}, offset + limit if len(rows) > limit else None)

        return await sync_reading(self._engine, read)

    async def resend(self, notification_id: str) -> dict[str, Any]:
        """Queue a message again (an admin's decision, e.g. after a permanent failure was fixed).

        A message to an erased person is not found: there is nobody to send it to any more."""
        m = messages
        now = self._clock()

        def requeue(connection: Connection) -> dict[str, Any] | None:
            row = (
                connection.execute(
                    select(*(m.c[n] for n in PUBLIC_COLUMNS)).where(
                        m.c.notification_id == notification_id, m.c.recipient.not_like("erased:%")
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            again = {"state": "queued", "attempts": 0, "next_attempt_at": now, "error": None, "updated_at": now}
            connection.execute(m.update().where(m.c.notification_id == notification_id).values(again))
            return self._public({**dict(row), **again}, now)

        found = await sync_transaction(self._engine, requeue)
        if found is None:
            raise NotFound("message", f"No message {notification_id}")
        return found

    async def receipt(self, provider_message_id: str, delivered: bool, error: str | None) -> Applied:
        """A provider's delivery receipt: sent → delivered (or failed with its reason); kept until its
        message's provider id is recorded when it comes first (see :mod:`..adapters.receipts`)."""
        now = self._clock()
        return await sync_transaction(
            self._engine, lambda c: apply_receipt(c, provider_message_id, delivered, error, now)
        )

    async def opt_out(self, recipient: str, source: str) -> None:
        """Record that ``recipient`` wants no more messages (kept once; the first time is kept)."""
        row = {"recipient": recipient, "source": source, "at": datetime.now(UTC)}
        await sync_transaction(self._engine, lambda c: upsert(c, opt_outs, [row], keys=("recipient",)))
