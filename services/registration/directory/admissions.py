"""What the check-in path needs to know of an activity, cached in process for a few seconds.

Check-ins must not read the database per request (DESIGN §8: ≥ 3,000/s per instance). The view's
answer for an activity (public? when?) is kept for ``ttl_seconds``; the misses of one event-loop
turn are loaded together in one query, and concurrent requests for the same activity share it.
A withdrawal or rejection therefore stops check-ins within the TTL (default 5 s) of the view
learning it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

Loader = Callable[[list[str]], Awaitable[dict[str, "Admission"]]]


@dataclass(frozen=True, slots=True)
class Admission:
    """An activity as the check-in path sees it."""

    public: bool
    starts_at: datetime
    ends_at: datetime
    campaign_id: str | None


class AdmissionCache:
    """Admissions by activity id, loaded in batches and kept ``ttl_seconds`` (unknown ids too)."""

    def __init__(
        self,
        load: Loader,
        ttl_seconds: float,
        *,
        max_entries: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, Admission | None]] = {}
        self._waiting: dict[str, asyncio.Future[Admission | None]] = {}
        self._loading: asyncio.Task[None] | None = None

    async def get(self, activity_id: str) -> Admission | None:
        """The activity's admission, or None when the view has no such activity."""
        cached = self._entries.get(activity_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        waiting = self._waiting.get(activity_id)
        if waiting is None:
            waiting = self._waiting[activity_id] = asyncio.get_running_loop().create_future()
            if self._loading is None:
                self._loading = asyncio.create_task(self._load_waiting())
        return await asyncio.shield(waiting)

    async def _load_waiting(self) -> None:
        await asyncio.sleep(0)  # let the other misses of this turn join the batch
        waiting, self._waiting, self._loading = self._waiting, {}, None
        try:
            found = await self._load(list(waiting))
        except Exception as exc:
            for future in waiting.values():
                future.set_exception(exc)
                future.exception()  # retrieved: a waiter that gave up must not log it as lost
            return
        now = self._clock()
        if len(self._entries) + len(waiting) > self._max_entries:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) + len(waiting) > self._max_entries:
                self._entries.clear()
        expires = now + self._ttl
        for activity_id, future in waiting.items():
            admission = found.get(activity_id)
            self._entries[activity_id] = (expires, admission)
            future.set_result(admission)
