"""The wake-up signal between those who reserve messages and the dispatcher that sends them.

The composition root makes one and hands it to both sides: planners and the reminders worker call
:meth:`WakeUp.set` once they have reserved something, the dispatcher waits on it between rounds. Neither
side knows the other, so nothing needs to be built before the other.
"""

from __future__ import annotations

import asyncio
import contextlib


class WakeUp:
    """A level-triggered signal: set by any number of producers, awaited by the dispatcher's rounds."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout_s: float) -> None:
        """Until set, or ``timeout_s`` seconds at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._event.wait()
