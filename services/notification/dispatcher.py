"""The dispatcher: sends what the ledger holds, and records every outcome.

Each round claims a batch of due messages (``queued`` and due, or ``sending`` for longer than the
lease: what a crash left in flight), marking them ``sending`` with one more attempt; sends them
concurrently; then records each outcome with its event (``notification-sent`` / ``-failed``) in one
transaction. A message whose recipient opted out is failed without being sent; an SMS due in quiet
hours is put off until 08:00.

**A crash between sending and recording** leaves rows ``sending``. After the lease they are sent
again, with the same ledger key as the provider's client reference; the provider (and the stand-in)
recognises the reference and does not deliver a second time, so the safe way is to resend. A
provider that cannot deduplicate would turn this into "at least once"; it must not be configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from shared.events import CATALOG, to_message
from shared.events.payloads.notifications import NotificationFailed, NotificationSent
from shared.events.topics import NOTIFICATIONS
from shared.store import Changes, sync_transaction
from shared.store.writer import GroupCommitter

from .adapters.tables import messages, opt_outs
from .channels.base import Channel, Outgoing, PermanentFailure, Sent, TransientFailure
from .domain.delivery import QUIET_HOURS, Quiet, allowed_from, retry_after

log = logging.getLogger(__name__)
SOURCE = "/kepuri/notification"
LEASE = timedelta(minutes=2)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Runs rounds until stopped; :meth:`wake` starts one at once (new reservations)."""

    def __init__(
        self,
        engine: Any,
        writer: GroupCommitter,
        channels: Mapping[str, Channel],
        *,
        batch: int = 500,
        concurrency: int = 64,
        idle_s: float = 1.0,
        clock: Clock = utc_now,
        quiet: Quiet = QUIET_HOURS,
        lease: timedelta = LEASE,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._channels = channels
        self._batch = batch
        self._limit = asyncio.Semaphore(concurrency)
        self._idle_s = idle_s
        self._clock = clock
        self._quiet = quiet
        self._lease = lease
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="dispatcher")

    async def stop(self) -> None:
        """Stop, even in the middle of a round (what it claimed is recovered after the lease)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                handled = await self.round()
            except Exception:
                log.exception("dispatcher round failed; trying again")
                handled = 0
            if handled < self._batch:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_s):
                        await self._wake.wait()

    async def round(self) -> int:
        """Claim, send and record one batch; how many messages it handled."""
        now = self._clock()
        claimed = await sync_transaction(self._engine, lambda c: self._claim(c, now))
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(row, now) for row in claimed))
        changes = Changes()
        for row, outcome in zip(claimed, outcomes, strict=True):
            self._record(changes, row, outcome, now)
        await self._writer.submit(changes)
        return len(claimed)

    def _claim(self, connection: Connection, now: datetime) -> list[dict[str, Any]]:
        m = messages
        due = or_(
            and_(m.c.state == "queued", m.c.next_attempt_at <= now),
            and_(m.c.state == "sending", m.c.updated_at <= now - self._lease),
        )
        rows = [dict(r) for r in connection.execute(select(m).where(due).limit(self._batch)).mappings()]
        if not rows:
            return []
        opted = set(
            connection.scalars(
                select(opt_outs.c.recipient).where(opt_outs.c.recipient.in_({r["recipient"] for r in rows}))
            )
        )
        ready = []
        for row in rows:
            row["opted_out"] = row["recipient"] in opted
            later = allowed_from(row["channel"], now, self._quiet)
            if later > now and not row["opted_out"]:
                connection.execute(_where_key(m.update(), row).values(next_attempt_at=later, state="queued"))
                continue
            connection.execute(
                _where_key(m.update(), row).values(state="sending", attempts=m.c.attempts + 1, updated_at=now)
            )
            row["attempts"] += 1
            ready.append(row)
        return ready

    async def _attempt(self, row: Mapping[str, Any], now: datetime) -> Sent | Exception:
        if row["opted_out"]:
            return PermanentFailure("收件人已退订 (the recipient opted out)")
        channel = self._channels.get(row["channel"])
        if channel is None:
            return PermanentFailure(f"no channel {row['channel']!r} is configured")
        outgoing = Outgoing(row["notification_id"], row["recipient"], row["text"], row["subject"], row["sign"])
        async with self._limit:
            try:
                return await channel.send(outgoing)
            except (TransientFailure, PermanentFailure) as exc:
                return exc
            except Exception as exc:  # an adapter's bug must not stop the round: retried, and logged
                log.exception("channel %s failed on %s", row["channel"], row["notification_id"])
                return TransientFailure(f"{type(exc).__name__}: {exc}")

    def _record(self, changes: Changes, row: Mapping[str, Any], outcome: Sent | Exception, now: datetime) -> None:
        m = messages
        if isinstance(outcome, Sent):
            values: dict[str, Any] = {"state": "sent", "provider_message_id": outcome.provider_message_id}
            payload: Any = NotificationSent(
                notification_id=row["notification_id"],
                kind=row["kind"],
                channel=row["channel"],
                recipient_masked=row["recipient_masked"],
                provider_message_id=outcome.provider_message_id,
            )
        else:
            wait = retry_after(row["attempts"]) if isinstance(outcome, TransientFailure) else None
            error = str(outcome)[:500]
            if wait is not None:
                changes.statements.append(
                    _where_key(m.update(), row).values(
                        state="queued", next_attempt_at=now + wait, error=error, updated_at=now
                    )
                )
                return
            values = {"state": "failed", "error": error}
            payload = NotificationFailed(
                notification_id=row["notification_id"],
                kind=row["kind"],
                channel=row["channel"],
                recipient_masked=row["recipient_masked"],
                error=error,
                permanent=True,
            )
        changes.statements.append(_where_key(m.update(), row).values(**values, updated_at=now))
        envelope = CATALOG.envelope(
            payload, subject=row["notification_id"], sequence=row["attempts"], source=SOURCE, campaign=row["campaign"]
        )
        changes.messages.append(to_message(envelope, NOTIFICATIONS.name))


def _where_key(statement: Any, row: Mapping[str, Any]) -> Any:
    m = messages
    return statement.where(
        m.c.event_id == row["event_id"], m.c.recipient == row["recipient"], m.c.channel == row["channel"]
    )


class ClosingChannels:
    """A worker that closes the channels' connections when the service stops (after the dispatcher)."""

    def __init__(self, channels: Mapping[str, Channel]) -> None:
        self._channels = channels

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for channel in self._channels.values():
            close = getattr(channel, "aclose", None)
            if close is not None:
                await close()
