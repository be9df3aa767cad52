"""The dispatcher: sends what the ledger holds, and records every outcome.

Each round claims a batch of due messages (``queued`` and due, or ``sending`` for longer than the
lease: what a crash left in flight), marking them ``sending`` with one more attempt; sends them
concurrently, in the provider's batches where the channel takes them (SMS: 100 a request); then
records each outcome (one ``executemany`` per kind of outcome) with its event (``notification-sent`` / ``-failed``) in one
transaction, which also applies the delivery receipts that came before the provider ids it records
(:mod:`..adapters.receipts`). A message whose recipient opted out is failed without being sent; an SMS due in quiet
hours is put off until 08:00. ``rounds`` rounds run at once (each claims rows the others cannot), so
one round's sends overlap another's claim and record.

**A crash between sending and recording** leaves rows ``sending``. After the lease they are sent
again, with the same ledger key as the provider's client reference; the provider (and the stand-in)
recognises the reference and does not deliver a second time, so the safe way is to resend. A
provider that cannot deduplicate would turn this into "at least once"; it must not be configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select

from shared.events import CATALOG, to_message
from shared.events.payloads.notifications import NotificationFailed, NotificationSent
from shared.events.topics import NOTIFICATIONS
from shared.store import Bulk, Changes, sync_transaction
from shared.store.writer import GroupCommitter

from ..adapters.receipts import applying_kept
from ..adapters.tables import messages, opt_outs
from ..channels.base import BatchChannel, Channel, Outcome, Outgoing, PermanentFailure, Sent, TransientFailure
from ..domain.delivery import AWAITED_KINDS, QUIET_HOURS, Quiet, allowed_from, retry_after

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
        batch: int = 2000,
        concurrency: int = 64,
        rounds: int = 2,
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
        self._rounds = rounds
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name=f"dispatcher-{i}") for i in range(self._rounds)]

    async def stop(self) -> None:
        """Stop, even in the middle of a round (what it claimed is recovered after the lease)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
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
        outcomes = await self._send(claimed)
        changes = Changes()
        self._record(changes, claimed, outcomes, now)
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
        ready, later_rows = [], []
        for row in rows:
            awaited = row["kind"] in AWAITED_KINDS
            row["opted_out"] = row["recipient"] in opted and not awaited
            later = now if awaited else allowed_from(row["channel"], now, self._quiet)
            if later > now and not row["opted_out"]:
                later_rows.append({"key": row["notification_id"], "at": later})
                continue
            row["attempts"] += 1
            ready.append(row)
        if later_rows:
            connection.execute(_by_key().values(state="queued", next_attempt_at=bindparam("at")), later_rows)
        if ready:
            claim = _by_key().values(state="sending", attempts=bindparam("attempts"), updated_at=now)
            connection.execute(claim, [{"key": r["notification_id"], "attempts": r["attempts"]} for r in ready])
        return ready

    async def _send(self, rows: Sequence[Mapping[str, Any]]) -> list[Outcome]:
        """One outcome per row, in order: sent by its channel (in batches where it takes them)."""
        outcomes: list[Outcome] = [_UNSENT] * len(rows)
        by_channel: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if row["opted_out"]:
                outcomes[i] = PermanentFailure("收件人已退订 (the recipient opted out)")
            elif row["channel"] not in self._channels:
                outcomes[i] = PermanentFailure(f"no channel {row['channel']!r} is configured")
            else:
                by_channel.setdefault(row["channel"], []).append(i)
        jobs, places = [], []
        for name, indexes in by_channel.items():
            channel = self._channels[name]
            size = channel.batch_size if isinstance(channel, BatchChannel) else 1
            for first in range(0, len(indexes), size):
                chunk = indexes[first : first + size]
                jobs.append(self._deliver(channel, [_outgoing(rows[i]) for i in chunk]))
                places.append(chunk)
        for chunk, results in zip(places, await asyncio.gather(*jobs), strict=True):
            for i, outcome in zip(chunk, results, strict=True):
                outcomes[i] = outcome
        return outcomes

    async def _deliver(self, channel: Channel, batch: list[Outgoing]) -> list[Outcome]:
        async with self._limit:
            try:
                if isinstance(channel, BatchChannel) and len(batch) > 1:
                    return await channel.send_batch(batch)
                return [await channel.send(batch[0])]
            except (TransientFailure, PermanentFailure) as exc:
                return [exc]
            except Exception as exc:  # an adapter's bug must not stop the round: retried, and logged
                log.exception("channel %s failed on %s", channel.name, [m.key for m in batch])
                return [TransientFailure(f"{type(exc).__name__}: {exc}")] * len(batch)

    def _record(
        self, changes: Changes, rows: Sequence[Mapping[str, Any]], outcomes: Sequence[Outcome], now: datetime
    ) -> None:
        """The rows' new states (one ``executemany`` per kind of outcome) and their events."""
        sent, retried, failed = [], [], []
        for row, outcome in zip(rows, outcomes, strict=True):
            key = row["notification_id"]
            if isinstance(outcome, Sent):
                sent.append({"key": key, "provider_id": outcome.provider_message_id})
                payload: Any = NotificationSent(
                    notification_id=key,
                    kind=row["kind"],
                    channel=row["channel"],
                    recipient_masked=row["recipient_masked"],
                    provider_message_id=outcome.provider_message_id,
                )
            else:
                wait = retry_after(row["attempts"]) if isinstance(outcome, TransientFailure) else None
                error = str(outcome)[:500]
                if wait is not None:
                    retried.append({"key": key, "at": now + wait, "reason": error})
                    continue
                failed.append({"key": key, "reason": error})
                payload = NotificationFailed(
                    notification_id=key,
                    kind=row["kind"],
                    channel=row["channel"],
                    recipient_masked=row["recipient_masked"],
                    error=error,
                    permanent=True,
                )
            envelope = CATALOG.envelope(
                payload, subject=key, sequence=row["attempts"], source=SOURCE, campaign=row["campaign"]
            )
            changes.messages.append(to_message(envelope, NOTIFICATIONS.name))
        # Only a row still ``sending`` takes its outcome: a later round's record (after the lease) or an
        # applied receipt is never overwritten by an earlier round's.
        update = _by_key().where(messages.c.state == "sending")
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


_UNSENT = TransientFailure("not attempted")


def _outgoing(row: Mapping[str, Any]) -> Outgoing:
    return Outgoing(row["notification_id"], row["recipient"], row["text"], row["subject"], row["sign"])


def _by_key() -> Any:
    """An update of one ledger row by its key, the ``key`` parameter (for ``executemany``)."""
    return messages.update().where(messages.c.notification_id == bindparam("key"))


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
