"""Signed callbacks from the stand-in to the notification service: receipts and inbound replies."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from urllib.parse import urlsplit

import httpx
import orjson

from ..channels.signing import signed_headers
from .state import Message

log = logging.getLogger(__name__)


# Callbacks in flight at once. The others wait here, not in httpx's connection pool, whose queue
# scans every waiting request and connection on each assignment: with tens of thousands of receipts
# due, that made the stand-in the busiest process of a simulation.
IN_FLIGHT = 16


class Callbacks:
    """Posts signed JSON to the receipts and inbound URLs, retrying a few times with backoff."""

    def __init__(
        self,
        key_id: str,
        secret: str,
        receipts_url: str | None,
        inbound_url: str | None,
        stats: Counter[str],
        *,
        receipt_delay_s: float,
        attempts: int = 4,
        backoff_s: float = 0.1,
    ) -> None:
        self.receipts_url = receipts_url
        self.inbound_url = inbound_url
        self._key_id = key_id
        self._secret = secret
        self._stats = stats
        self._delay_s = receipt_delay_s
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._client: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule_receipt(self, message: Message) -> None:
        """Post the message's receipt after the delay, in the background."""
        if self.receipts_url is None:
            return
        task = asyncio.create_task(self._receipt(self.receipts_url, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _receipt(self, url: str, message: Message) -> None:
        await asyncio.sleep(self._delay_s)
        body = orjson.dumps(
            {
                "message_id": message.message_id,
                "client_ref": message.client_ref,
                "to": message.to,
                "status": "delivered" if message.status == "delivered" else "failed",
                "error": message.error,
            }
        )
        status = await self.post(url, body)
        self._stats["receipts_sent" if status is not None and status < 300 else "receipts_failed"] += 1

    async def forward_inbound(self, from_phone: str, text: str) -> int | None:
        """Post an inbound reply now; the receiver's last status, or None when it never answered."""
        assert self.inbound_url is not None
        status = await self.post(self.inbound_url, orjson.dumps({"from": from_phone, "text": text}))
        self._stats["inbound_forwarded" if status is not None and status < 300 else "inbound_failed"] += 1
        return status

    async def post(self, url: str, body: bytes) -> int | None:
        """POST ``body`` signed (afresh on every attempt); retries connection errors, 408, 429, 5xx."""
        if self._client is None or self._slots is None:
            limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
            self._client = httpx.AsyncClient(timeout=5.0, limits=limits)
            self._slots = asyncio.Semaphore(IN_FLIGHT)
        path = urlsplit(url).path or "/"
        status: int | None = None
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
            headers = signed_headers(self._key_id, self._secret, "POST", path, body)
            headers["Content-Type"] = "application/json"
            try:
                async with self._slots:
                    response = await self._client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                log.warning("callback to %s failed (attempt %d): %r", url, attempt + 1, exc)
                continue
            status = response.status_code
            if status < 300:
                return status
            log.warning("callback to %s answered %d (attempt %d): %s", url, status, attempt + 1, response.text[:200])
            if status < 500 and status not in (408, 429):
                return status  # the receiver refuses it; asking again will not help
        return status

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
