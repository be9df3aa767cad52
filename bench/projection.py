"""Projection apply rate: ``ConsumerRuntime.process`` of activity-registered records into the analytics
overview view (SQLite), in batches of the runtime's default size.

The records are published to an embedded log and read back before the clock starts, so only the
consumer's step 1–2 are timed: decode, one transaction per batch that reads tracking, applies the
view, moves tracking, commits. Baselines in the same run, interleaved:

* decode only: ``from_record`` and ``CATALOG.payload`` of every record, nothing written;
* raw insert: the same view rows inserted with ``sqlite3.executemany``, one transaction per batch,
  into the same table with the same pragmas (the rows worked out before the clock starts);
* decode + raw insert: both, batch by batch: the floor that any projection of this view pays.

    python -m bench.projection [--quick]
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from harness.events import activity_registered, message
from services.analytics.adapters.tables import metadata
from services.analytics.projections.overview import OverviewProjection
from shared.bus import Record, TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime
from shared.events import CATALOG, from_record
from shared.events.payloads.activities import ActivityRegistered
from shared.events.topics import ACTIVITIES
from shared.store import BackboneTables, Recorder, create_engine
from shared.store.migrations import migrate

from .common import Result, cli, interleaved, rate, report, settle_heap

MIGRATIONS = "services.analytics:migrations"
BATCH: int = inspect.signature(ConsumerRuntime.__init__).parameters["batch_size"].default
TARGET = 50_000
# the 31 provincial divisions of the mainland
PROVINCES = (
    *(11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37),
    *(41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65),
)
INSERT = "INSERT INTO overview_activities (activity_id, campaign, province, withdrawn, version) VALUES (?,?,?,?,?)"


async def read_records(root: Path, count: int) -> list[Record]:
    """``count`` activity-registered records as a consumer reads them from the log."""
    async with EmbeddedLog(root / "bus.db", default_partitions=3, synchronous="OFF") as log:
        await log.ensure_topics([TopicSpec(ACTIVITIES.name, 3)])
        envelopes = [
            activity_registered(region_code=f"{PROVINCES[i % len(PROVINCES)]}0{i % 9 + 1}02") for i in range(count)
        ]
        for start in range(0, count, 10_000):
            await log.publish([message(e) for e in envelopes[start : start + 10_000]])
        records: list[Record] = []
        async with log.subscribe("bench", [ACTIVITIES.name]) as subscription:
            while len(records) < count:
                records.extend(await subscription.poll(BATCH, 100))
    return records


def batches(records: Sequence[Record]) -> list[Sequence[Record]]:
    return [records[i : i + BATCH] for i in range(0, len(records), BATCH)]


def decode(batch: Sequence[Record]) -> list[tuple[str, str, str, bool, int]]:
    """What every projection of this view does first, and the view row each record becomes."""
    rows = []
    for record in batch:
        envelope = from_record(record)
        payload = CATALOG.payload(envelope)
        assert isinstance(payload, ActivityRegistered)
        rows.append((payload.activity_id, payload.campaign_id or "", payload.region_code[:2], False, envelope.sequence))
    return rows


class ProjectionCase:
    def __init__(self, root: Path, records: list[Record]) -> None:
        self.root = root
        self.records = records
        self.rows = [decode(b) for b in batches(records)]

    async def _fresh_database(self) -> Path:
        path = self.root / f"analytics-{uuid.uuid4().hex[:8]}.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine, MIGRATIONS)
        await engine.dispose()
        return path

    async def process(self) -> float:
        path = await self._fresh_database()
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            async with EmbeddedLog(self.root / "bus.db") as log:  # the runtime needs a bus; process never uses it
                runtime = ConsumerRuntime(engine, Recorder(BackboneTables(metadata)), log, OverviewProjection())
                settle_heap()
                started = time.perf_counter()
                for batch in batches(self.records):
                    await runtime.process(batch)
                elapsed = time.perf_counter() - started
            if runtime.applied != len(self.records):
                raise RuntimeError(f"applied {runtime.applied} of {len(self.records)} events")
        finally:
            await engine.dispose()
        return rate(len(self.records), elapsed)

    async def decode_only(self) -> float:
        settle_heap()
        started = time.perf_counter()
        for batch in batches(self.records):
            decode(batch)
        return rate(len(self.records), time.perf_counter() - started)

    async def _raw(self, with_decode: bool) -> float:
        db = sqlite3.connect(await self._fresh_database(), isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            settle_heap()
            started = time.perf_counter()
            for batch, rows in zip(batches(self.records), self.rows, strict=True):
                if with_decode:
                    rows = decode(batch)
                db.execute("BEGIN IMMEDIATE")
                db.executemany(INSERT, rows)
                db.execute("COMMIT")
            elapsed = time.perf_counter() - started
        finally:
            db.close()
        return rate(len(self.records), elapsed)

    async def raw_insert(self) -> float:
        return await self._raw(with_decode=False)

    async def decode_and_insert(self) -> float:
        return await self._raw(with_decode=True)


async def main_async(quick: bool, reps: int) -> list[Result]:
    count = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        root = Path(scratch)
        case = ProjectionCase(root, await read_records(root, count))
        process, floor, decode_only, insert_only = await interleaved(
            reps, [case.process, case.decode_and_insert, case.decode_only, case.raw_insert]
        )
    return [
        Result(
            "projection",
            f"overview view: ConsumerRuntime.process ({count:,} events, batches of {BATCH:,})",
            "events/s",
            process,
            "decode + raw insert",
            floor,
            target="≥ 50,000 events/s",
            met=statistics.median(process) >= TARGET,
        ),
        Result("projection", "decode only (from_record + CATALOG.payload)", "events/s", decode_only),
        Result("projection", "raw sqlite3 insert of the view rows", "events/s", insert_only),
    ]


def main() -> None:
    args = cli(__doc__ or "", reps=5, quick_reps=3)
    report("Projection apply rate", asyncio.run(main_async(args.quick, args.reps)), args)


if __name__ == "__main__":
    main()
