"""Payloads of the notifications stream. Recipients are masked: the clear values stay in the ledger."""

from __future__ import annotations

from typing import Literal

from .base import EventPayload

Channel = Literal["sms", "email", "inbox"]


class NotificationSent(EventPayload):
    """A message left for a recipient through a channel and the provider accepted it."""

    event_type = "notification-sent"
    version = 1

    notification_id: str
    kind: str
    channel: Channel
    recipient_masked: str
    provider_message_id: str | None = None


class NotificationFailed(EventPayload):
    """A message could not be delivered; ``permanent`` says whether it will be retried."""

    event_type = "notification-failed"
    version = 1

    notification_id: str
    kind: str
    channel: Channel
    recipient_masked: str
    error: str
    permanent: bool
