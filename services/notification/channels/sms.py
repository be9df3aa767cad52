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
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import orjson
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .base import Outgoing, PermanentFailure, Sent, TransientFailure

SEND_PATH = "/v1/messages"
KEY_ID_HEADER = "X-Sms-Key-Id"
TIMESTAMP_HEADER = "X-Sms-Timestamp"
NONCE_HEADER = "X-Sms-Nonce"
SIGNATURE_HEADER = "X-Sms-Signature"

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
    max_skew_s: int = Field(300, ge=1, validation_alias=_alias("max_skew_s"))
    receipts_path: str = Field("/v1/sms/receipts", validation_alias=_alias("receipts_path"))
    inbound_path: str = Field("/v1/sms/inbound", validation_alias=_alias("inbound_path"))

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> SmsSettings:
        if self.environment == "production" and self.secret.get_secret_value() == DEV_SECRET:
            raise ValueError("KEPURI_NOTIFICATION_SMS_SECRET must be set in production")
        return self


# --- signing -----------------------------------------------------------------------------------


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The string both sides sign: method, path, timestamp, nonce and the body's SHA-256."""
    return "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, method: str, path: str, body: bytes) -> dict[str, str]:
    """The four signing headers for one request, with a fresh timestamp and nonce."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, method, path, timestamp, nonce, body),
    }


class InvalidCallback(Exception):
    """A request or callback whose signature, key, timestamp, nonce or body is not acceptable."""


class NonceCache:
    """Nonces seen within the skew window; a second use of one is a replay."""

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._seen: set[str] = set()
        self._order: deque[tuple[float, str]] = deque()

    def add(self, nonce: str) -> bool:
        """Record ``nonce``; False when it was already seen (within the window)."""
        now = time.monotonic()
        while self._order and self._order[0][0] < now - self._window_s:
            self._seen.discard(self._order.popleft()[1])
        if nonce in self._seen:
            return False
        self._seen.add(nonce)
        self._order.append((now, nonce))
        return True


def verify_signed(
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    path: str,
    key_id: str,
    secret: str,
    max_skew_s: int,
    nonces: NonceCache,
) -> None:
    """Check a signed request; raise :class:`InvalidCallback` saying what is wrong."""
    lower = {name.lower(): value for name, value in headers.items()}
    got_key = lower.get(KEY_ID_HEADER.lower())
    timestamp = lower.get(TIMESTAMP_HEADER.lower())
    nonce = lower.get(NONCE_HEADER.lower())
    given = lower.get(SIGNATURE_HEADER.lower())
    if not (got_key and timestamp and nonce and given):
        raise InvalidCallback("missing signature headers")
    if got_key != key_id:
        raise InvalidCallback(f"unknown key id {got_key!r}")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        raise InvalidCallback("timestamp is not an integer") from None
    if skew > max_skew_s:
        raise InvalidCallback(f"timestamp is {skew:.0f} s off (more than {max_skew_s} s)")
    if not hmac.compare_digest(given.lower(), signature(secret, method, path, timestamp, nonce, body)):
        raise InvalidCallback("signature does not match")
    if not nonces.add(nonce):
        raise InvalidCallback("nonce already used (replay)")


# --- rate limit --------------------------------------------------------------------------------


class RateLimiter:
    """An async token bucket (as virtual scheduling): at most ``burst`` at once, then ``rate`` per second.

    Each caller takes the next free slot synchronously and sleeps until it, so concurrent senders
    share the rate fairly without a lock; a cancelled waiter's slot is simply lost (conservative).
    """

    def __init__(self, rate_per_s: float, burst: int = 1) -> None:
        self._interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._tolerance = (max(burst, 1) - 1) * self._interval
        self._next = time.monotonic()  # the theoretical arrival time of the next send

    async def acquire(self) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        start = max(self._next - self._tolerance, now)
        self._next = max(self._next, now) + self._interval
        if start > now:
            await asyncio.sleep(start - now)


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

    async def send(self, message: Outgoing) -> Sent:
        await self._limiter.acquire()  # before signing, so a long wait never makes the timestamp stale
        body = orjson.dumps(
            {
                "to": message.to,
                "text": message.text,
                "sign": message.sign or self.settings.default_sign,
                "client_ref": message.key,
            }
        )
        request = self._client.build_request("POST", SEND_PATH, content=body)
        request.headers["Content-Type"] = "application/json"
        request.headers.update(signed_headers(self.settings.key_id, self._secret, "POST", request.url.path, body))
        try:
            response = await self._client.send(request)
        except httpx.TimeoutException as exc:
            raise TransientFailure(f"SMS provider timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientFailure(f"SMS provider unreachable ({type(exc).__name__}: {exc})") from exc
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> Sent:
        status = response.status_code
        try:
            data = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if 200 <= status < 300:
            message_id = data.get("message_id")
            if isinstance(message_id, str) and message_id:
                return Sent(provider_message_id=message_id)
            # accepted or not, we cannot tell: a resend with the same client_ref is safe
            raise TransientFailure(f"SMS provider answered {status} without a message_id")
        reason = f"{data.get('code') or 'http_' + str(status)}: {data.get('message') or response.text[:200]}"
        if status in (408, 429) or status >= 500:
            raise TransientFailure(f"SMS provider answered {status} ({reason})")
        if status in (401, 403):
            raise PermanentFailure(
                f"SMS provider refused our credentials ({status} {reason}); check "
                "KEPURI_NOTIFICATION_SMS_KEY_ID, KEPURI_NOTIFICATION_SMS_SECRET and the clock"
            )
        raise PermanentFailure(reason)

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
