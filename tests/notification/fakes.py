"""Fakes of notification's ports, subclassing them, for the fast tests in ``unit/`` (no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.notification.channels.base import (
    BatchChannel,
    Channel,
    Outcome,
    Outgoing,
    PermanentFailure,
    Sent,
    TransientFailure,
)
from services.notification.service.ports import Claimed, DueMessages, Settled, Texts

NOW = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)  # 10:00 China time


class FakeTexts(Texts):
    """Texts that show what they were made of: ``kind/channel`` as the subject, the context as the text."""

    def __init__(self) -> None:
        self.composed: list[tuple[str, str, str | None, dict[str, Any]]] = []

    def compose(
        self, kind: str, channel: str, campaign: str | None, context: Mapping[str, Any]
    ) -> tuple[str | None, str]:
        self.composed.append((kind, channel, campaign, dict(context)))
        subject = None if channel == "sms" else f"{kind}/{channel}"
        return subject, "|".join(f"{k}={context[k]}" for k in sorted(context))


class FakeDueMessages(DueMessages):
    """The dispatcher's ledger in memory: messages offered once each, every record kept."""

    def __init__(self, *due: Claimed) -> None:
        self.due = list(due)
        self.recorded: list[Settled] = []

    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        claimed, self.due = self.due[:limit], self.due[limit:]
        return claimed

    async def record(self, settled: Settled, now: datetime) -> None:
        self.recorded.append(settled)


@dataclass
class FakeChannel(Channel):
    """A channel whose answers are scripted by recipient: an exception to raise, else sent."""

    name: str = "sms"
    failures: dict[str, Exception] = field(default_factory=dict)
    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, message: Outgoing) -> Sent:
        if (failure := self.failures.get(message.to)) is not None:
            raise failure
        self.sent.append(message)
        return Sent(f"p-{message.key}")


@dataclass
class FakeBatchChannel(BatchChannel):
    """A channel that takes ``batch_size`` messages a request, recording each request."""

    name: str = "sms"
    batch_size: int = 3
    requests: list[list[str]] = field(default_factory=list)

    async def send(self, message: Outgoing) -> Sent:
        self.requests.append([message.key])
        return Sent(f"p-{message.key}")

    async def send_batch(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        self.requests.append([m.key for m in messages])
        return [Sent(f"p-{m.key}") if not m.to.endswith("0000") else PermanentFailure("invalid") for m in messages]


def claimed(key: str = "n1", *, to: str = "13800001234", attempts: int = 1, **fields: Any) -> Claimed:
    values: dict[str, Any] = {
        "notification_id": key,
        "kind": "thank_you",
        "channel": "sms",
        "recipient": to,
        "recipient_masked": "138****1234",
        "text": "谢谢",
        "subject": None,
        "sign": None,
        "campaign": "2026",
        "attempts": attempts,
    }
    values.update(fields)
    return Claimed(**values)


__all__ = [
    "NOW",
    "FakeBatchChannel",
    "FakeChannel",
    "FakeDueMessages",
    "FakeTexts",
    "PermanentFailure",
    "TransientFailure",
    "claimed",
]
