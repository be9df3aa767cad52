"""The worker that drops the delivery receipts kept for a message id that never came
(:func:`..adapters.receipts.sweep`): after a retention, and beyond a count."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.runtime.periodic import Periodic
from shared.store import sync_transaction

from ..adapters.receipts import sweep
from .ports import Clock

log = logging.getLogger(__name__)


class ReceiptSweeper:
    """A worker that runs :func:`sweep` every ``interval_s`` seconds."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        retention: timedelta,
        keep_at_most: int,
        interval_s: float,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._retention = retention
        self._keep_at_most = keep_at_most
        self._worker = Periodic("receipt sweep", self._sweep_and_say, interval_s)

    async def start(self) -> None:
        await self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()

    async def sweep(self) -> int:
        """One sweep now; how many kept receipts were dropped."""
        now = self._clock()
        return await sync_transaction(
            self._engine, lambda c: sweep(c, now, retention=self._retention, keep_at_most=self._keep_at_most)
        )

    async def _sweep_and_say(self) -> None:
        if dropped := await self.sweep():
            log.warning("dropped %d delivery receipts whose message id never came", dropped)
