"""A worker that does one piece of work every so many seconds, for as long as its service runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``tick`` every ``interval_s`` seconds between ``start`` and ``stop`` (a :class:`Worker`).

    ``at_start`` runs the first tick at once instead of after the first interval. A tick that raises
    is logged and the next one comes as planned: a failing round must never end the worker.
    """

    def __init__(
        self, name: str, tick: Callable[[], Awaitable[object]], interval_s: float, *, at_start: bool = False
    ) -> None:
        self._name = name
        self._tick = tick
        self._interval_s = interval_s
        self._at_start = at_start
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        if not self._at_start:
            await asyncio.sleep(self._interval_s)
        while True:
            try:
                await self._tick()
            except Exception:
                log.exception("%s failed; trying again in %s s", self._name, self._interval_s)
            await asyncio.sleep(self._interval_s)
