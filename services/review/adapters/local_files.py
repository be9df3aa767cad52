"""Where summary attachments are kept: the local-files adapter of the storage port ``AttachmentStore``.

Files live under the service's data directory (``<data_dir>/summaries/<summary id>/<file id>``); the
id is a random hex string chosen here, so no name a person gives ever reaches the file system.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from ..service.ports import AttachmentStore

_ID = re.compile(r"^[0-9a-f]{32}$")


class LocalFiles(AttachmentStore):
    """Files in a directory of this machine (the embedded mode's data directory)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, summary_id: str, file_id: str) -> Path:
        if not (_ID.match(summary_id) and _ID.match(file_id)):
            raise ValueError("attachment ids are 32 hex digits")
        return self._root / summary_id / file_id

    async def put(self, summary_id: str, file_id: str, data: bytes) -> None:
        path = self._path(summary_id, file_id)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".part")
            temporary.write_bytes(data)
            temporary.replace(path)

        await asyncio.to_thread(write)

    async def get(self, summary_id: str, file_id: str) -> bytes | None:
        path = self._path(summary_id, file_id)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.exists() else None)
