"""The dispatcher's ledger (the :class:`~..service.ports.DueMessages` port) on the database.

A claim selects due rows (``queued`` and due, or ``sending`` for longer than the lease: what a crash left
in flight), puts off those the delivery rules hold (quiet hours), and marks the rest ``sending`` with one
attempt more, in one transaction. A record is one ``executemany`` per kind of outcome, only on rows still
``sending`` (a later round's record, after the lease, or an applied receipt is never overwritten by an
earlier round's), with the events, in one transaction through the group committer; when provider ids
are recorded, the delivery receipts kept for them are applied in the same transaction
(:mod:`.receipts`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select

from shared.store import Bulk, Changes, sync_transaction
from shared.store.writer import GroupCommitter

from ..domain.delivery import AWAITED_KINDS, Quiet, allowed_from
from ..service.ports import Claimed, DueMessages, Settled
from .receipts import applying_kept
from .tables import messages, opt_outs


class LedgerDueMessages(DueMessages):
    def __init__(self, engine: Any, writer: GroupCommitter, *, quiet: Quiet, lease: timedelta) -> None:
        self._engine = engine
        self._writer = writer
        self._quiet = quiet
        self._lease = lease

    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        return await sync_transaction(self._engine, lambda c: self._claim(c, now, limit))

    def _claim(self, connection: Connection, now: datetime, limit: int) -> list[Claimed]:
        m = messages
        due = or_(
            and_(m.c.state == "queued", m.c.next_attempt_at <= now),
            and_(m.c.state == "sending", m.c.updated_at <= now - self._lease),
        )
        rows = connection.execute(select(m).where(due).limit(limit)).mappings().all()
        if not rows:
            return []
        opted = set(
            connection.scalars(
                select(opt_outs.c.recipient).where(opt_outs.c.recipient.in_({r["recipient"] for r in rows}))
            )
        )
        ready: list[Claimed] = []
        later_rows = []
        for row in rows:
            awaited = row["kind"] in AWAITED_KINDS
            opted_out = row["recipient"] in opted and not awaited
            later = now if awaited else allowed_from(row["channel"], now, self._quiet)
            if later > now and not opted_out:
                later_rows.append({"key": row["notification_id"], "at": later})
                continue
            ready.append(_claimed(row, opted_out))
        if later_rows:
            connection.execute(_by_key().values(state="queued", next_attempt_at=bindparam("at")), later_rows)
        if ready:
            claim = _by_key().values(state="sending", attempts=bindparam("attempts"), updated_at=now)
            connection.execute(claim, [{"key": r.notification_id, "attempts": r.attempts} for r in ready])
        return ready

    async def record(self, settled: Settled, now: datetime) -> None:
        changes = Changes()
        changes.messages += settled.events
        update = _by_key().where(messages.c.state == "sending")
        sent = [{"key": key, "provider_id": provider_id} for key, provider_id in settled.sent]
        retried = [{"key": key, "at": at, "reason": reason} for key, at, reason in settled.retried]
        failed = [{"key": key, "reason": reason} for key, reason in settled.failed]
        changes.statements += [
            Bulk(update.values(state="sent", provider_message_id=bindparam("provider_id"), updated_at=now), sent),
            Bulk(
                update.values(
                    state="queued", next_attempt_at=bindparam("at"), error=bindparam("reason"), updated_at=now
                ),
                retried,
            ),
            Bulk(update.values(state="failed", error=bindparam("reason"), updated_at=now), failed),
        ]
        if sent:  # the receipts that came before these ids were recorded
            changes.statements += applying_kept(self._engine.dialect.name, now)
        await self._writer.submit(changes)


def _claimed(row: Any, opted_out: bool) -> Claimed:
    return Claimed(
        notification_id=row["notification_id"],
        kind=row["kind"],
        channel=row["channel"],
        recipient=row["recipient"],
        recipient_masked=row["recipient_masked"],
        text=row["text"],
        subject=row["subject"],
        sign=row["sign"],
        campaign=row["campaign"],
        attempts=row["attempts"] + 1,
        opted_out=opted_out,
    )


def _by_key() -> Any:
    """An update of one ledger row by its key, the ``key`` parameter (for ``executemany``)."""
    return messages.update().where(messages.c.notification_id == bindparam("key"))
