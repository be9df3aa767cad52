"""The shadow rebuild: every analytics projection, from offset 0, through the live consumers' own code.

One throwaway consumer group reads the union of the projections' topics from the beginning (it has no
committed offsets, so the bus starts it at the earliest record) and never commits: it leaves nothing
behind for the live group. Each batch is decoded once and applied to every projection in one
transaction on the *shadow* database (:class:`~.applier.BatchApplier`: per projection, the tracking
in the view's transaction, the redelivery skip and the isolation of a failing event of live
consumption, and the projection's own ``apply``), so the rebuilt views cannot diverge from the live
ones. The shadow's tracking rows carry the live group names (a consumer's group is its projection's
name), which is what lets the swap compare them with the live rows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus import Bus, Record, Subscription
from shared.consumer import Projection
from shared.store import BackboneTables, Recorder

from .applier import BatchApplier

Partition = tuple[str, int]
# (consumer group, topic, partition) -> the highest offset that group's view has applied
Tracked = dict[tuple[str, str, int], int]
# told after each batch: (records counted in the total taken at the start, records beyond it)
Advance = Callable[[int, int], None]


class ReplayError(Exception):
    """The replay cannot finish; the live views are left as they were."""


class ShadowReader:
    """Reads the projections' topics from the beginning and applies them to the shadow database."""

    def __init__(
        self,
        bus: Bus,
        shadow: AsyncEngine,
        metadata: MetaData,
        projections: Sequence[Projection],
        *,
        batch_size: int = 5000,
        stall_timeout_s: float = 30.0,
    ) -> None:
        recorder = Recorder(BackboneTables(metadata))
        self.applier = BatchApplier(shadow, recorder, projections)
        self.topics = tuple(sorted({t for p in projections for t in p.topics}))
        self.group = f"analytics.replay.{uuid.uuid4().hex[:12]}"
        self.reached: dict[Partition, int] = {}  # the highest offset applied to the shadow, per partition
        self.read = 0
        self._bus = bus
        self._batch_size = batch_size
        self._stall_timeout_s = stall_timeout_s
        self._subscription: Subscription | None = None
        self._pending: dict[Partition, int] = {}

    async def start(self) -> int:
        """Join the throwaway group; the number of records up to the end offsets as they are now."""
        subscription = self._bus.subscribe(self.group, self.topics)
        await subscription.start()
        self._subscription = subscription
        lag = await subscription.lag()
        self._pending = {(tp.topic, tp.partition): n for tp, n in lag.items() if n > 0}
        return sum(self._pending.values())

    async def stop(self) -> None:
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            await subscription.stop()

    async def read_to_end(self, on_records: Advance) -> None:
        """Apply every record up to the end offsets taken by :meth:`start`.

        The end is counted in records per partition (the lag at the start), so it holds whatever the
        partition's first offset is; a batch may carry records past it, which are applied too.
        """
        while self._pending:
            records = await self._poll(lambda: f"{sum(self._pending.values())} records short of the end offsets")
            counted = 0
            for record in records:
                key = (record.topic, record.partition)
                left = self._pending.get(key)
                if left is not None:
                    counted += 1
                    if left <= 1:
                        del self._pending[key]
                    else:
                        self._pending[key] = left - 1
            await self._apply(records)
            on_records(counted, len(records) - counted)

    def behind(self, live: Tracked) -> int:
        """How many records the shadow still lacks to have applied all that the live views have."""
        return sum(
            max(0, offset - self.reached.get((topic, partition), -1)) for (_g, topic, partition), offset in live.items()
        )

    async def catch_up(self, live: Tracked, on_records: Advance) -> None:
        """Apply records until, for every partition, the shadow has applied at least what ``live`` says."""
        while self.behind(live):
            records = await self._poll(lambda: f"{self.behind(live)} records short of the live views' offsets")
            await self._apply(records)
            on_records(0, len(records))

    async def _poll(self, why: Callable[[], str]) -> list[Record]:
        assert self._subscription is not None, "start() first"
        deadline = time.monotonic() + self._stall_timeout_s
        while True:
            records = await self._subscription.poll(self._batch_size, 200)
            if records:
                return records
            if time.monotonic() > deadline:
                raise ReplayError(f"the bus delivered nothing for {self._stall_timeout_s:.0f} s, {why()}")

    async def _apply(self, records: Sequence[Record]) -> None:
        await self.applier.process(records)
        self.read += len(records)
        reached = self.reached
        for record in records:
            key = (record.topic, record.partition)
            if record.offset > reached.get(key, -1):
                reached[key] = record.offset
