"""The SMS provider's callbacks: delivery receipts (sent → delivered or failed) and replies (退订 opts
the number out). Both are signed by the provider with our shared secret; anything else is refused."""

from __future__ import annotations

from collections.abc import Mapping

from ..channels.signing import InvalidCallback
from ..channels.sms import HttpSms
from ..domain.errors import NotFound, Unsigned
from .ledger import Ledger

OPT_OUT_WORDS = ("退订", "TD", "T")


class ProviderCallbacks:
    def __init__(self, sms: HttpSms | None, ledger: Ledger) -> None:
        self._sms = sms
        self._ledger = ledger

    def _provider(self) -> HttpSms:
        if self._sms is None:
            raise NotFound("sms provider", "This instance sends no SMS through a provider")
        return self._sms

    async def receipt(self, headers: Mapping[str, str], body: bytes, path: str) -> None:
        """Apply a signed delivery receipt to its message (kept until its provider id is recorded)."""
        try:
            found = self._provider().verify_receipt(headers, body, path=path)
        except InvalidCallback as exc:
            raise Unsigned("receipt", str(exc)) from exc
        await self._ledger.receipt(found.provider_message_id, found.delivered, found.error)

    async def inbound(self, headers: Mapping[str, str], body: bytes, path: str) -> None:
        """A signed reply from a phone: 退订 (or TD, T) opts the number out."""
        try:
            reply = self._provider().verify_inbound(headers, body, path=path)
        except InvalidCallback as exc:
            raise Unsigned("inbound", str(exc)) from exc
        if reply.text.strip().upper() in OPT_OUT_WORDS:
            await self._ledger.opt_out(reply.from_phone, "reply")
