"""Signing of the SMS provider protocol, both ways (see :mod:`.sms` for the canonical string).

We sign requests to the provider; the provider signs its delivery receipts and inbound replies with
the same key pair, and the stand-in checks our requests with :func:`verify_signed` as we check its
callbacks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Mapping

KEY_ID_HEADER = "X-Sms-Key-Id"
TIMESTAMP_HEADER = "X-Sms-Timestamp"
NONCE_HEADER = "X-Sms-Nonce"
SIGNATURE_HEADER = "X-Sms-Signature"


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
