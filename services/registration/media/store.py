"""The media storage port: content-addressed objects, written once and read by key.

Keys are ``<sha256>.<ext>`` (or ``<sha256>.thumb.jpg``): the same bytes always have the same key, so
writing one twice is harmless and what a key names never changes (the URLs are cached for a year).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from .inspection import CONTENT_TYPES

KEY = re.compile(r"^[0-9a-f]{64}(\.thumb)?\.(jpg|png|mp4|webm)$")


class MediaStoreError(Exception):
    """The storage could not be reached or answered an error; the backend's error is the cause."""


@dataclass(frozen=True)
class StoredMedia:
    key: str
    body: bytes
    content_type: str


def content_type_of(key: str) -> str:
    """The media type a key's extension names."""
    return CONTENT_TYPES[key.rsplit(".", 1)[1]]


def valid_key(key: str) -> bool:
    """Whether ``key`` has the form this store gives out (anything else is never looked up)."""
    return KEY.match(key) is not None


class MediaStore(ABC):
    """Where uploaded photos, thumbnails and videos live."""

    @abstractmethod
    async def put(self, key: str, body: bytes) -> None:
        """Store ``body`` under ``key`` (idempotent: the key is the content's digest)."""

    @abstractmethod
    async def get(self, key: str) -> StoredMedia | None:
        """The object under ``key``, or None."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
