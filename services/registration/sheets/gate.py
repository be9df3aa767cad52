"""One import at a time per organizer unit, and a bound on how many workbooks are read at once.

An import reads a workbook in a thread and then registers up to 2,000 rows; a unit that sends the
same sheet five times at once gains nothing and costs five times the memory. The gate is per
process (each API worker has its own, see ``shared/runtime/serve.py``); two racing uploads that
still meet in the store, from two workers or replicas, are made idempotent there (:mod:`.importer`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ImportInProgress(Exception):
    """The unit already has an import running (409)."""


class ImportGate:
    """Admits one import per unit, and lets at most ``readers`` imports read their workbook at once.

    ``max_bytes`` is the largest upload the import route reads (the body limit of its path).
    """

    def __init__(self, max_bytes: int = 5 << 20, readers: int = 2) -> None:
        self.max_bytes = max_bytes
        self._running: set[str] = set()
        self._readers = asyncio.Semaphore(readers)

    @asynccontextmanager
    async def hold(self, unit_id: str) -> AsyncIterator[None]:
        """Hold the unit's import slot for the block; :class:`ImportInProgress` when it is taken."""
        if unit_id in self._running:
            raise ImportInProgress(unit_id)
        self._running.add(unit_id)
        try:
            yield
        finally:
            self._running.discard(unit_id)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Wait for a reader's slot, for the time a workbook is parsed."""
        async with self._readers:
            yield
