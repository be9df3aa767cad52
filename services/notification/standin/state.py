"""The stand-in's memory: messages by client reference, handsets, refused attempts, counters."""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Message:
    message_id: str
    client_ref: str
    to: str
    text: str
    sign: str
    accepted_at: float
    status: str = "accepted"  # then "delivered" or "failed" (with error) once the receipt is due
    error: str | None = None

    def public(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "client_ref": self.client_ref,
            "to": self.to,
            "text": self.text,
            "sign": self.sign,
            "accepted_at": self.accepted_at,
            "status": self.status,
            "error": self.error,
        }


class Ledger:
    """Everything the stand-in remembers (in memory; a restart forgets), at most ``max_messages``
    messages: beyond that the oldest are forgotten, from the client references (a resend of one is
    then taken for a new message) and from its handset; only a count per phone (``received``) stays.
    A receipt due holds its own message."""

    def __init__(self, max_messages: int = 100_000) -> None:
        self.max_messages = max_messages
        self.by_ref: dict[str, Message] = {}  # in the order accepted: the oldest first
        self.handsets: defaultdict[str, list[Message]] = defaultdict(list)
        self.refused: Counter[str] = Counter()  # client_ref → transient refusals so far
        self.received: Counter[str] = Counter()  # phone → messages delivered, forgotten ones included
        self.stats: Counter[str] = Counter()

    def accept(self, client_ref: str, to: str, text: str, sign: str, undeliverable: str | None) -> Message:
        """A new message: on the handset at once unless ``undeliverable`` says why not."""
        message = Message(f"sm-{uuid.uuid4().hex}", client_ref, to, text, sign, time.time())
        self.by_ref[client_ref] = message
        self.refused.pop(client_ref, None)
        while len(self.by_ref) > self.max_messages:
            self._forget(self.by_ref.pop(next(iter(self.by_ref))))
        self.stats["accepted"] += 1
        if undeliverable is None:
            message.status = "delivered"
            self.handsets[to].append(message)
            self.received[to] += 1
            self.stats["delivered"] += 1
        else:
            message.status, message.error = "failed", undeliverable
            self.stats["undeliverable"] += 1
        return message

    def refuse(self, client_ref: str) -> None:
        """Count one transient refusal of ``client_ref`` (bounded as messages are)."""
        self.refused[client_ref] += 1
        while len(self.refused) > self.max_messages:
            del self.refused[next(iter(self.refused))]

    def _forget(self, message: Message) -> None:
        self.stats["forgotten"] += 1
        received = self.handsets.get(message.to)
        if received is None:
            return
        if message in received:
            received.remove(message)  # the oldest of few: near the front
        if not received:
            del self.handsets[message.to]

    def handset(self, to: str) -> list[dict[str, Any]]:
        return [message.public() for message in self.handsets.get(to, [])]

    def counts(self) -> dict[str, int]:
        return {**self.stats, "messages": len(self.by_ref), "handsets": len(self.handsets)}
