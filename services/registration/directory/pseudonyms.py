"""Participant references: a keyed hash of the client and the activity, never the address itself.

The same client at the same activity always gets the same reference (so analytics can count people,
not taps), different activities give unrelated references (no tracking across activities), and
without the key, which never leaves this service, a reference cannot be tested against addresses.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path


def participant_ref(key: bytes, client: str, activity_id: str) -> str:
    """HMAC-SHA-256 of (activity, client) under ``key``, 32 hex digits."""
    return hmac.new(key, f"{activity_id}\x00{client}".encode(), hashlib.sha256).hexdigest()[:32]


def participant_key(path: Path | None, signing_key: bytes) -> bytes:
    """The key in ``path`` (hex), or one derived from the token-signing key (one secret fewer to keep).

    The derivation is domain-separated (HMAC with a purpose label), so the signing key cannot be
    recovered from it; rotating the signing key then starts new references, which is harmless.
    """
    if path is not None:
        return bytes.fromhex(path.read_text().strip())
    return hmac.new(signing_key, b"kepuri participant-ref v1", hashlib.sha256).digest()
