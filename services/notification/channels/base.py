"""The channel port: what the sender hands a channel, and how a channel answers.

A channel sends one message and either returns the provider's id for it or raises
:class:`TransientFailure` (try again later: the provider is down, throttles, times out) or
:class:`PermanentFailure` (never retry: a bad number, a rejected template, an opt-out at the
provider). ``key`` is the ledger's key of the message; SMS providers get it as the client
reference, so a message sent again after a crash is recognised and not delivered twice.

A channel whose provider takes many messages in one request (SMS) is also a :class:`BatchChannel`:
``send_batch`` answers one :data:`Outcome` per message, in order, and raises nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient."""

    key: str
    to: str
    text: str
    subject: str | None = None  # e-mail only
    sign: str | None = None  # SMS signature (签名), e.g. the organizer's name through an approved template


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None


class TransientFailure(Exception):
    """Worth retrying later."""


class PermanentFailure(Exception):
    """Never worth retrying; the reason is the message."""


class Channel(Protocol):
    name: str

    async def send(self, message: Outgoing) -> Sent: ...


Outcome = Sent | TransientFailure | PermanentFailure


@runtime_checkable
class BatchChannel(Protocol):
    name: str
    batch_size: int

    async def send(self, message: Outgoing) -> Sent: ...

    async def send_batch(self, messages: Sequence[Outgoing]) -> list[Outcome]: ...
