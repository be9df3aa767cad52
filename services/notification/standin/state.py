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
    """Everything the stand-in remembers (in memory; a restart forgets)."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Message] = {}
        self.handsets: defaultdict[str, list[Message]] = defaultdict(list)
        self.refused: Counter[str] = Counter()  # client_ref → transient refusals so far
        self.stats: Counter[str] = Counter()

    def accept(self, client_ref: str, to: str, text: str, sign: str, undeliverable: str | None) -> Message:
        """A new message: on the handset at once unless ``undeliverable`` says why not."""
        message = Message(f"sm-{uuid.uuid4().hex}", client_ref, to, text, sign, time.time())
        self.by_ref[client_ref] = message
        self.refused.pop(client_ref, None)
        self.stats["accepted"] += 1
        if undeliverable is None:
            message.status = "delivered"
            self.handsets[to].append(message)
            self.stats["delivered"] += 1
        else:
            message.status, message.error = "failed", undeliverable
            self.stats["undeliverable"] += 1
        return message

    def handset(self, to: str) -> list[dict[str, Any]]:
        return [message.public() for message in self.handsets.get(to, [])]

    def counts(self) -> dict[str, int]:
        return {**self.stats, "messages": len(self.by_ref), "handsets": len(self.handsets)}
