"""SMS through an HTTP provider: signed requests, a per-provider rate limit, signed callbacks.

The protocol (the local stand-in in ``services.notification.standin`` speaks exactly this):

``POST {base_url}/v1/messages`` with a JSON body ``{"to", "text", "sign", "client_ref"}``;
``client_ref`` is the ledger's key of the message, and the provider answers a second send with the
same ``client_ref`` with the first one's ``message_id`` and delivers nothing new, so a resend after a
crash or a timeout is safe. Answers:

- 2xx ``{"message_id": "..."}``: accepted (:class:`Sent`).
- 429, 5xx, 408, a timeout or a connection error: :class:`TransientFailure`. A timeout may hide an
  accepted message; retrying it with the same ``client_ref`` is what makes that harmless.
- 401/403: our key id or secret is wrong (or our clock is off): :class:`PermanentFailure`, a
  configuration error to fix, not to retry forever.
- any other 4xx ``{"code", "message"}`` (``invalid_number``, ``template_rejected``,
  ``recipient_opted_out``, ``invalid_request``, ...): :class:`PermanentFailure` with the provider's code
  and reason.

``POST {base_url}/v1/messages/batch`` with ``{"messages": [...]}``, 1 to 100 such messages (as real
providers' batch APIs take them: one request, one signature, many handsets; a fan-out of millions
costs a hundredth of the round trips). The whole request is answered as above when it fails as a
whole (401, a malformed body, 429, 5xx); otherwise 200 ``{"results": [...]}``, one per message in
order, each either ``{"client_ref", "message_id", "duplicate"}`` or ``{"client_ref", "status",
"code", "message"}`` with the status a single send would have had, classified the same way.

Signing (both ways; we sign requests, the provider signs delivery receipts and inbound replies with
the same key pair). Headers:

- ``X-Sms-Key-Id``: the app key id;
- ``X-Sms-Timestamp``: Unix seconds (integer); the receiver refuses more than ``max_skew_s`` off;
- ``X-Sms-Nonce``: 32 random hex digits, never reused within the skew window (replays are refused);
- ``X-Sms-Signature``: lowercase hex of ``HMAC-SHA256(secret, canonical)`` where ``canonical`` is
  ``METHOD + "\\n" + PATH + "\\n" + TIMESTAMP + "\\n" + NONCE + "\\n" + hex(SHA256(body))`` and PATH
  is the URL path without the query (for callbacks: the path of the callback URL the provider posts to).

Callbacks (provider → us), both ``POST`` with a JSON body:

- delivery receipt ``{"message_id", "client_ref", "to", "status": "delivered"|"failed", "error"}``,
  checked by :meth:`HttpSms.verify_receipt`;
- inbound reply ``{"from", "text"}`` (e.g. 退订), checked by :meth:`HttpSms.verify_inbound`.
Both raise :class:`InvalidCallback` (answer 401) when the signature, key id, timestamp or nonce is
wrong, or the body is malformed.

Configuration is :class:`SmsSettings` alone (``KEPURI_NOTIFICATION_SMS_*``); the defaults point at the
stand-in on 127.0.0.1:8013 with its development key pair, which production refuses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import orjson
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .base import Outcome, Outgoing, PermanentFailure, Sent, TransientFailure
from .signing import InvalidCallback, NonceCache, signed_headers, verify_signed

SEND_PATH = "/v1/messages"
BATCH_PATH = "/v1/messages/batch"
BATCH_LIMIT = 100  # the most messages one batch request may carry

DEV_KEY_ID = "kepuri-standin"
DEV_SECRET = "kepuri-standin-secret"  # the stand-in's development secret; production refuses it
DEV_BASE_URL = "http://127.0.0.1:8013"


def _alias(name: str) -> Any:
    return AliasChoices(name, f"KEPURI_NOTIFICATION_SMS_{name.upper()}")


class SmsSettings(BaseSettings):
    """The SMS provider: where it is, our key pair, the default signature, the rate and timeouts."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=AliasChoices("environment", "KEPURI_ENVIRONMENT")
    )
    base_url: str = Field(DEV_BASE_URL, validation_alias=_alias("base_url"))
    key_id: str = Field(DEV_KEY_ID, validation_alias=_alias("key_id"))
    secret: SecretStr = Field(SecretStr(DEV_SECRET), validation_alias=_alias("secret"))
    default_sign: str = Field("全国科普日", validation_alias=_alias("default_sign"))
    rate_per_s: float = Field(1000.0, validation_alias=_alias("rate_per_s"))  # 0 or less: unlimited
    rate_burst: int = Field(1, ge=1, validation_alias=_alias("rate_burst"))
    timeout_s: float = Field(5.0, gt=0, validation_alias=_alias("timeout_s"))
    connect_timeout_s: float = Field(2.0, gt=0, validation_alias=_alias("connect_timeout_s"))
    max_connections: int = Field(100, ge=1, validation_alias=_alias("max_connections"))
    batch_size: int = Field(BATCH_LIMIT, ge=1, le=BATCH_LIMIT, validation_alias=_alias("batch_size"))  # 1: no batches
    max_skew_s: int = Field(300, ge=1, validation_alias=_alias("max_skew_s"))
    receipts_path: str = Field("/v1/sms/receipts", validation_alias=_alias("receipts_path"))
    inbound_path: str = Field("/v1/sms/inbound", validation_alias=_alias("inbound_path"))

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> SmsSettings:
        if self.environment == "production" and self.secret.get_secret_value() == DEV_SECRET:
            raise ValueError("KEPURI_NOTIFICATION_SMS_SECRET must be set in production")
        return self


# --- rate limit --------------------------------------------------------------------------------


class RateLimiter:
    """An async token bucket (as virtual scheduling): at most ``burst`` at once, then ``rate`` per second.

    Each caller takes the next free slot synchronously and sleeps until it, so concurrent senders
    share the rate fairly without a lock; a cancelled waiter's slot is simply lost (conservative).
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._tolerance = (max(burst, 1) - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._next = clock()  # the theoretical arrival time of the next send

    async def acquire(self, n: int = 1) -> None:
        """Wait for the slot of ``n`` messages sent at once (a batch takes ``n`` slots)."""
        if not self._interval:
            return
        now = self._clock()
        start = max(self._next - self._tolerance, now)
        self._next = max(self._next, now) + n * self._interval
        if start > now:
            await self._sleep(start - now)


# --- the channel -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """A provider's delivery receipt for one message."""

    provider_message_id: str
    client_ref: str | None
    delivered: bool
    error: str | None


@dataclass(frozen=True)
class Inbound:
    """A reply a phone sent to us (for example 退订)."""

    from_phone: str
    text: str


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidCallback("body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidCallback("body is not a JSON object")
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidCallback(f"body lacks a string {name!r}")
    return value


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidCallback(f"{name!r} is not a string")
    return value


def _answer_data(response: httpx.Response) -> dict[str, Any]:
    try:
        data = orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _accepted(status: int, data: Mapping[str, Any]) -> Sent:
    message_id = data.get("message_id")
    if isinstance(message_id, str) and message_id:
        return Sent(provider_message_id=message_id)
    # accepted or not, we cannot tell: a resend with the same client_ref is safe
    raise TransientFailure(f"SMS provider answered {status} without a message_id")


def _refused(status: int, data: Mapping[str, Any], text: str = "") -> TransientFailure | PermanentFailure:
    """The failure a refusal with ``status`` and body ``{"code", "message"}`` stands for."""
    reason = f"{data.get('code') or 'http_' + str(status)}: {data.get('message') or text[:200]}"
    if status in (408, 429) or status >= 500:
        return TransientFailure(f"SMS provider answered {status} ({reason})")
    if status in (401, 403):
        return PermanentFailure(
            f"SMS provider refused our credentials ({status} {reason}); check "
            "KEPURI_NOTIFICATION_SMS_KEY_ID, KEPURI_NOTIFICATION_SMS_SECRET and the clock"
        )
    return PermanentFailure(reason)


def _item_outcome(result: object) -> Outcome:
    """One message's part of a batch answer."""
    if not isinstance(result, dict):
        return TransientFailure("SMS provider answered a batch with a malformed result")
    if result.get("message_id"):
        try:
            return _accepted(200, result)
        except TransientFailure as exc:
            return exc
    status = result.get("status")
    return _refused(status if isinstance(status, int) else 400, result)


class HttpSms:
    """The SMS channel (``name = "sms"``): one HTTP client and one rate limit per instance."""

    name = "sms"

    def __init__(
        self,
        settings: SmsSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings or SmsSettings()
        s = self.settings
        self._secret = s.secret.get_secret_value()
        self._client = httpx.AsyncClient(
            base_url=s.base_url,
            timeout=httpx.Timeout(s.timeout_s, connect=s.connect_timeout_s),
            limits=httpx.Limits(max_connections=s.max_connections, max_keepalive_connections=s.max_connections),
            transport=transport,
        )
        self._limiter = limiter or RateLimiter(s.rate_per_s, s.rate_burst)
        self._nonces = NonceCache(s.max_skew_s * 2)

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size

    async def send(self, message: Outgoing) -> Sent:
        await self._limiter.acquire()  # before signing, so a long wait never makes the timestamp stale
        response = await self._post(SEND_PATH, orjson.dumps(self._item(message)))
        data = _answer_data(response)
        if 200 <= response.status_code < 300:
            return _accepted(response.status_code, data)
        raise _refused(response.status_code, data, response.text)

    async def send_batch(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        """Send up to ``batch_size`` messages in one request; one outcome per message, in order."""
        if len(messages) > self.batch_size:
            raise ValueError(f"a batch holds at most {self.batch_size} messages, not {len(messages)}")
        await self._limiter.acquire(len(messages))
        body = orjson.dumps({"messages": [self._item(message) for message in messages]})
        try:
            response = await self._post(BATCH_PATH, body)
        except TransientFailure as exc:
            return [exc] * len(messages)
        status, data = response.status_code, _answer_data(response)
        if not 200 <= status < 300:
            return [_refused(status, data, response.text)] * len(messages)
        results = data.get("results")
        if not isinstance(results, list) or len(results) != len(messages):
            # accepted or not, we cannot tell which: resending under the same client_refs is safe
            return [TransientFailure(f"SMS provider answered {status} without one result per message")] * len(messages)
        return [_item_outcome(result) for result in results]

    def _item(self, message: Outgoing) -> dict[str, str]:
        sign = message.sign or self.settings.default_sign
        return {"to": message.to, "text": message.text, "sign": sign, "client_ref": message.key}

    async def _post(self, path: str, body: bytes) -> httpx.Response:
        request = self._client.build_request("POST", path, content=body)
        request.headers["Content-Type"] = "application/json"
        request.headers.update(signed_headers(self.settings.key_id, self._secret, "POST", request.url.path, body))
        try:
            return await self._client.send(request)
        except httpx.TimeoutException as exc:
            raise TransientFailure(f"SMS provider timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientFailure(f"SMS provider unreachable ({type(exc).__name__}: {exc})") from exc

    def _verify(self, headers: Mapping[str, str], body: bytes, path: str) -> dict[str, Any]:
        verify_signed(
            headers,
            body,
            method="POST",
            path=path,
            key_id=self.settings.key_id,
            secret=self._secret,
            max_skew_s=self.settings.max_skew_s,
            nonces=self._nonces,
        )
        return _json_object(body)

    def verify_receipt(self, headers: Mapping[str, str], body: bytes, *, path: str | None = None) -> Receipt:
        """Check a delivery-receipt callback (signed by the provider for ``path``, by default
        ``receipts_path``) and read it; :class:`InvalidCallback` when it is forged or malformed."""
        data = self._verify(headers, body, path or self.settings.receipts_path)
        status = data.get("status")
        if status not in ("delivered", "failed"):
            raise InvalidCallback(f"receipt status {status!r} is neither 'delivered' nor 'failed'")
        return Receipt(
            provider_message_id=_text(data, "message_id"),
            client_ref=_optional_text(data, "client_ref"),
            delivered=status == "delivered",
            error=None if status == "delivered" else (_optional_text(data, "error") or "failed"),
        )

    def verify_inbound(self, headers: Mapping[str, str], body: bytes, *, path: str | None = None) -> Inbound:
        """Check an inbound-reply callback (signed for ``path``, by default ``inbound_path``) and read it."""
        data = self._verify(headers, body, path or self.settings.inbound_path)
        text = data.get("text")
        if not isinstance(text, str):
            raise InvalidCallback("inbound lacks a string 'text'")
        return Inbound(from_phone=_text(data, "from"), text=text)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpSms:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
