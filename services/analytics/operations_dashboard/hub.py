"""One snapshot per campaign per second, however many dashboards watch, and their event streams.

The snapshots of at most ``campaigns`` campaigns are kept, the least recently asked forgotten first
(the routes ask only for campaigns analytics knows, and only for staff).

The views are aggregated at most once per ``max_age_s`` for a campaign (less often when that takes
long: see :class:`Cached`), and the metrics scraped at most once for all campaigns: a thousand open
dashboards cost what one does. A stream sends the snapshot when it connects, then again whenever its
figures change, checked every ``interval_s``; a comment line every ``keepalive_s`` keeps proxies from
closing a quiet stream.

A stream ends when its term is over (:mod:`.term`: its token refused on one of the regular checks, or
its lifetime reached), after an ``end`` event saying why; when the client goes away (Starlette's
``StreamingResponse`` listens for ``http.disconnect`` and cancels it) and when the server begins to shut down: uvicorn waits for open
responses before it stops the app, so each stream watches the server's ``should_exit`` (found through
uvicorn's signal handler, the bound method ``Server.handle_exit``) and returns at once. Under another
server, or where uvicorn installed no handler, the server's own graceful-shutdown timeout ends the
stream instead.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.web.answer_cache import Cached

from ..adapters.dashboard_snapshot import activity_snapshot
from .models import Operations, Snapshot
from .operations import OperationsReader
from .term import StreamTerm


def server_exiting() -> bool:
    """True once the uvicorn server of this process has been asked to stop."""
    handler = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    return bool(getattr(server, "should_exit", False))


class DashboardHub:
    def __init__(
        self,
        engine: AsyncEngine,
        operations: OperationsReader,
        *,
        max_age_s: float = 0.9,
        interval_s: float = 1.0,
        keepalive_s: float = 15.0,
        campaigns: int = 32,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self.engine = engine
        self.max_age_s = max_age_s
        self.interval_s = interval_s
        self.keepalive_s = keepalive_s
        self._operations: Cached[Operations] = Cached(operations.read, max_age_s)
        self.campaigns = campaigns
        self._campaigns: OrderedDict[str | None, Cached[Snapshot]] = OrderedDict()
        self.open_streams = 0

    async def snapshot(self, campaign: str | None) -> Snapshot:
        """The campaign's snapshot (all campaigns' for ``None``), at most ``max_age_s`` old."""
        cached = self._campaigns.get(campaign)
        if cached is None:
            cached = self._campaigns[campaign] = Cached(lambda: self._take(campaign), self.max_age_s)
            while len(self._campaigns) > self.campaigns:
                self._campaigns.popitem(last=False)
        else:
            self._campaigns.move_to_end(campaign)
        return await cached.get()

    def cached_campaigns(self) -> int:
        """How many campaigns' snapshots are kept."""
        return len(self._campaigns)

    async def _take(self, campaign: str | None) -> Snapshot:
        snapshot = await activity_snapshot(self.engine, campaign)
        snapshot.operations = await self._operations.get()
        snapshot.generated_at = self._clock()
        return snapshot

    async def stream(
        self, campaign: str | None, on_close: Callable[[], None] | None = None, term: StreamTerm | None = None
    ) -> AsyncIterator[str]:
        """Server-sent events: ``data: <snapshot JSON>`` at once, then on every change; ``on_close`` is
        called when the stream ends (its client gone, the server stopping, or its ``term`` over: then
        an ``end`` event with ``{"reason": ...}`` comes last)."""
        self.open_streams += 1
        try:
            yield f"retry: {int(self.interval_s * 3000)}\n\n"
            last: dict[str, object] | None = None
            quiet_since = time.monotonic()
            while not server_exiting():
                reason = await term.ended() if term is not None else None
                if reason is not None:
                    yield f"event: end\ndata: {json.dumps({'reason': reason}, ensure_ascii=False)}\n\n"
                    return
                snapshot = await self.snapshot(campaign)
                figures = snapshot.figures()
                if figures != last:
                    last = figures
                    quiet_since = time.monotonic()
                    yield f"data: {json.dumps(snapshot.model_dump(mode='json'), ensure_ascii=False)}\n\n"
                elif time.monotonic() - quiet_since >= self.keepalive_s:
                    quiet_since = time.monotonic()
                    yield ": keepalive\n\n"
                await self._wait()
        finally:
            self.open_streams -= 1
            if on_close is not None:
                on_close()

    async def _wait(self) -> None:
        """Sleep one interval, in short steps that notice the server stopping."""
        steps = max(1, round(self.interval_s / 0.2))
        for _ in range(steps):
            if server_exiting():
                return
            await asyncio.sleep(self.interval_s / steps)
