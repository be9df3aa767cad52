"""A bound on calls in flight whose waiters leave in O(1) when cancelled.

``asyncio.Semaphore`` keeps its waiters in a deque: each cancelled waiter removes itself (O(n)) and
each release scans past the cancelled ones. Stopping a saturated national-size run cancels hundreds
of thousands of queued flows at once, which took it minutes on end (docs/benchmarks.md §17).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict


class Gate:
    """At most ``slots`` holders at a time; the others wait in arrival order."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiting: OrderedDict[asyncio.Future[None], None] = OrderedDict()
        self._none_waiting = asyncio.Event()
        self._none_waiting.set()

    async def __aenter__(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[waiter] = None
        self._none_waiting.clear()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # it was handed the slot as it was cancelled: pass the slot on
            raise
        finally:
            self._waiting.pop(waiter, None)
            if not self._waiting:
                self._none_waiting.set()

    async def __aexit__(self, *_exc: object) -> None:
        self._leave()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def none_waiting(self) -> None:
        """Return once no one waits for a slot."""
        await self._none_waiting.wait()

    def _leave(self) -> None:
        """Hand the slot to the longest waiter still waiting, or free it."""
        while self._waiting:
            waiter, _ = self._waiting.popitem(last=False)
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
