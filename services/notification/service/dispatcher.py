"""The dispatcher: sends what the ledger holds, and records every outcome.

Each round claims a batch of due messages from the ledger (:class:`~.ports.DueMessages`: ``queued`` and
due, or ``sending`` for longer than the lease: what a crash left in flight; an SMS due in quiet hours is
put off until 08:00 instead), sends them concurrently, in the provider's batches where the channel takes
them (SMS: 100 a request), then decides what became of each (:func:`settle`: sent, retried later, or
failed for good) and records it with its event (``notification-sent`` / ``-failed``) in one
transaction. A message whose recipient opted out is failed without being sent. ``rounds`` rounds run at
once (each claims rows the others cannot), so one round's sends overlap another's claim and record.

**A crash between sending and recording** leaves rows ``sending``. After the lease they are sent
again, with the same ledger key as the provider's client reference; the provider (and the stand-in)
recognises the reference and does not deliver a second time, so the safe way is to resend. A
provider that cannot deduplicate would turn this into "at least once"; it must not be configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.events import CATALOG, to_message
from shared.events.payloads.notifications import NotificationFailed, NotificationSent
from shared.events.topics import NOTIFICATIONS

from ..channels.base import BatchChannel, Channel, Outcome, Outgoing, PermanentFailure, Sent, TransientFailure
from ..domain.delivery import retry_after
from .ports import Claimed, Clock, DueMessages, Settled, utc_now
from .wakeup import WakeUp

log = logging.getLogger(__name__)
SOURCE = "/kepuri/notification"
OPTED_OUT = "收件人已退订 (the recipient opted out)"


class Dispatcher:
    """Runs rounds until stopped; the :class:`WakeUp` it waits on starts one at once (new reservations)."""

    def __init__(
        self,
        due: DueMessages,
        channels: Mapping[str, Channel],
        *,
        wake: WakeUp | None = None,
        batch: int = 2000,
        concurrency: int = 64,
        rounds: int = 2,
        idle_s: float = 1.0,
        clock: Clock = utc_now,
    ) -> None:
        self._due = due
        self._channels = channels
        self._batch = batch
        self._limit = asyncio.Semaphore(concurrency)
        self._idle_s = idle_s
        self._clock = clock
        self._wake = wake or WakeUp()
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
                await self._wake.wait(self._idle_s)

    async def round(self) -> int:
        """Claim, send and record one batch; how many messages it handled."""
        now = self._clock()
        claimed = await self._due.claim(now, self._batch)
        if not claimed:
            return 0
        outcomes = await self._send(claimed)
        await self._due.record(settle(claimed, outcomes, now), now)
        return len(claimed)

    async def _send(self, claimed: Sequence[Claimed]) -> list[Outcome]:
        """One outcome per message, in order: sent by its channel (in batches where it takes them)."""
        outcomes: list[Outcome] = [_UNSENT] * len(claimed)
        by_channel: dict[str, list[int]] = {}
        for i, message in enumerate(claimed):
            if message.opted_out:
                outcomes[i] = PermanentFailure(OPTED_OUT)
            elif message.channel not in self._channels:
                outcomes[i] = PermanentFailure(f"no channel {message.channel!r} is configured")
            else:
                by_channel.setdefault(message.channel, []).append(i)
        jobs, places = [], []
        for name, indexes in by_channel.items():
            channel = self._channels[name]
            size = channel.batch_size if isinstance(channel, BatchChannel) else 1
            for first in range(0, len(indexes), size):
                chunk = indexes[first : first + size]
                jobs.append(self._deliver(channel, [_outgoing(claimed[i]) for i in chunk]))
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


def settle(claimed: Sequence[Claimed], outcomes: Sequence[Outcome], now: datetime) -> Settled:
    """What becomes of each message after its attempt: sent (with ``notification-sent``); after a
    transient failure tried again later (30 s, 1, 2, 4 … minutes), while attempts are left; else failed
    for good with its reason (with ``notification-failed``)."""
    settled = Settled()
    for message, outcome in zip(claimed, outcomes, strict=True):
        key = message.notification_id
        payload: Any
        if isinstance(outcome, Sent):
            settled.sent.append((key, outcome.provider_message_id))
            payload = NotificationSent(
                notification_id=key,
                kind=message.kind,
                channel=message.channel,
                recipient_masked=message.recipient_masked,
                provider_message_id=outcome.provider_message_id,
            )
        else:
            wait = retry_after(message.attempts) if isinstance(outcome, TransientFailure) else None
            error = str(outcome)[:500]
            if wait is not None:
                settled.retried.append((key, now + wait, error))
                continue
            settled.failed.append((key, error))
            payload = NotificationFailed(
                notification_id=key,
                kind=message.kind,
                channel=message.channel,
                recipient_masked=message.recipient_masked,
                error=error,
                permanent=True,
            )
        envelope = CATALOG.envelope(
            payload, subject=key, sequence=message.attempts, source=SOURCE, campaign=message.campaign
        )
        settled.events.append(to_message(envelope, NOTIFICATIONS.name))
    return settled


_UNSENT = TransientFailure("not attempted")


def _outgoing(message: Claimed) -> Outgoing:
    return Outgoing(message.notification_id, message.recipient, message.text, message.subject, message.sign)


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
