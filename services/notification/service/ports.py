"""The ports notification's planning and dispatching need; adapters implement them, tests fake them.

- :class:`Texts`: the subject and text of a message of a kind, on a channel, for a campaign.
- :class:`DueMessages`: the ledger as the dispatcher sees it: claim the due messages (``sending``, one
  attempt more; held ones put off), and record what became of them with their events.
- :class:`Clock`: what time it is (every decision about when takes it from here).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.bus import Message

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Texts(ABC):
    @abstractmethod
    def compose(
        self, kind: str, channel: str, campaign: str | None, context: Mapping[str, Any]
    ) -> tuple[str | None, str]:
        """(subject or inbox title, text) of a ``kind`` message on ``channel``; no subject for SMS."""


@dataclass(frozen=True)
class Claimed:
    """A message claimed for one attempt (``attempts`` counts it)."""

    notification_id: str
    kind: str
    channel: str
    recipient: str
    recipient_masked: str
    text: str
    subject: str | None
    sign: str | None
    campaign: str | None
    attempts: int
    opted_out: bool = False  # the recipient opted out: failed without being sent


@dataclass
class Settled:
    """What became of a round's messages: the ledger's new states and the events that say so."""

    sent: list[tuple[str, str | None]] = field(default_factory=list)  # (notification id, provider id)
    retried: list[tuple[str, datetime, str]] = field(default_factory=list)  # (notification id, when, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (notification id, reason)
    events: list[Message] = field(default_factory=list)


class DueMessages(ABC):
    @abstractmethod
    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        """Up to ``limit`` messages due at ``now`` (or left ``sending`` past the lease), marked ``sending``
        with one attempt more; an SMS due in quiet hours is put off instead, and not returned."""

    @abstractmethod
    async def record(self, settled: Settled, now: datetime) -> None:
        """Record the outcomes (only on rows still ``sending``) and their events, in one transaction."""
