"""The in-app inbox as a channel: the ledger row *is* the inbox item, so "sending" only makes it visible."""

from __future__ import annotations

from .base import Outgoing, Sent


class Inbox:
    name = "inbox"

    async def send(self, message: Outgoing) -> Sent:
        return Sent(provider_message_id=None)
