"""What the routes and info completion ask of media: upload (checked, cleaned, stored), look up, read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..domain.errors import RuleBroken
from ..domain.info import MediaItem
from .inspection import Limits, Prepared, prepare
from .store import MediaStore, StoredMedia, valid_key


class MediaLibrary:
    def __init__(self, store: MediaStore, limits: Limits) -> None:
        self.store = store
        self.limits = limits

    async def upload(self, data: bytes) -> Prepared:
        """Check and clean ``data`` (off the event loop: decoding a photo is CPU work), then store it;
        a refused upload (:class:`~.inspection.MediaRefused`) stores nothing."""
        prepared = await asyncio.to_thread(prepare, data, self.limits)
        if prepared.thumbnail_key is not None and prepared.thumbnail is not None:
            await self.store.put(prepared.thumbnail_key, prepared.thumbnail)
        await self.store.put(prepared.key, prepared.body)
        return prepared

    async def items(self, keys: Sequence[str]) -> tuple[MediaItem, ...]:
        """The uploaded media ``keys`` name, in order; a key never uploaded is a broken ``media`` rule."""
        items: list[MediaItem] = []
        for key in dict.fromkeys(keys):
            if not valid_key(key) or ".thumb." in key or not await self.store.exists(key):
                raise RuleBroken("media", f"照片或视频 {key[:16]}… 未上传，请重新上传 (media: no upload has this key)")
            if key.endswith((".mp4", ".webm")):
                items.append(MediaItem(key, "video"))
            else:
                items.append(MediaItem(key, "photo", key.split(".", 1)[0] + ".thumb.jpg"))
        return tuple(items)

    async def read(self, key: str) -> StoredMedia | None:
        return await self.store.get(key) if valid_key(key) else None
