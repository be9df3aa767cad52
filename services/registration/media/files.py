"""Media in the data directory (embedded mode): one file per key, spread over 256 folders."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from .store import MediaStore, StoredMedia, content_type_of, valid_key


class FileMediaStore(MediaStore):
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        if not valid_key(key):
            raise ValueError(f"not a media key: {key!r}")
        return self._root / key[:2] / key

    async def put(self, key: str, body: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), body)

    async def get(self, key: str) -> StoredMedia | None:
        path = self._path(key)
        try:
            body = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None
        return StoredMedia(key, body, content_type_of(key))

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    @staticmethod
    def _write(path: Path, body: bytes) -> None:
        if path.is_file():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside and renamed: a reader never sees half a file
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
