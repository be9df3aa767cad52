"""Sealing personal data with a per-person key (AES-256-GCM), so that destroying the key erases it.

A sealed value is ``base64url(nonce || ciphertext+tag)`` of a JSON object. The key id is bound in as
associated data: a value sealed under one person's key cannot be passed off as another's.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed value that does not open with the key given (tampered, or another person's key)."""


def new_key() -> bytes:
    """A fresh random 256-bit key for one data subject."""
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, key_id: str, values: Mapping[str, Any]) -> str:
    """Encrypt ``values`` (JSON-serialisable) under ``key``, bound to ``key_id``; a fresh nonce each time."""
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps(dict(values), ensure_ascii=False, separators=(",", ":")).encode()
    sealed = AESGCM(key).encrypt(nonce, plaintext, key_id.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def open_sealed(key: bytes, key_id: str, sealed: str) -> dict[str, Any]:
    """The values :func:`seal` sealed; :class:`SealError` when the key or key id does not match."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        plaintext = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
    except (InvalidTag, ValueError) as exc:
        raise SealError(f"sealed value does not open with key {key_id}") from exc
    values: dict[str, Any] = json.loads(plaintext)
    return values
