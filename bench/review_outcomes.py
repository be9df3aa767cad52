"""Registration's consumers of the reviews stream: ``ConsumerRuntime.process`` of approval verdicts for
registered activities, through the real projections (SQLite), in batches of the runtime's default size.

N activities are registered first (their ``activities`` rows inserted raw, their directory entries
built by the directory projection from ``activity-registered`` events, pending review); N
``activity-approved`` records (harness/events.py) are published to an embedded log and read back
before the clock starts. Each repetition works on a fresh copy of that database. Timed, interleaved:

* review outcomes: ``ReviewOutcomeProjection`` (the organizer dashboard's ``review_status``);
* directory: ``DirectoryProjection`` (the approval makes each entry public: listing order, search index);
* decode + raw update (the baseline): ``from_record`` + ``CATALOG.payload`` of every record and the same
  ``UPDATE activities SET review_status …`` through ``sqlite3.executemany``, one transaction per batch;
* decode only.

The second part, the same consumers under a saturated API, is ``bench/review_outcomes_loaded.py``.

    python -m bench.review_outcomes [--quick] [--activities N]
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from harness.events import activity_approved, activity_registered, message
from services.registration.adapters.region_centres import PackagedCentres
from services.registration.adapters.tables import metadata
from services.registration.projections.directory import DirectoryProjection
from services.registration.projections.review_outcomes import ReviewOutcomeProjection
from shared.bus import Record, TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.consumer import ConsumerRuntime, Projection
from shared.events import CATALOG, Envelope, from_record
from shared.events.payloads.reviews import ActivityApproved
from shared.events.topics import ACTIVITIES, REVIEWS
from shared.store import BackboneTables, Recorder, create_engine
from shared.store.migrations import migrate

from .common import Result, cli, interleaved, rate, report, settle_heap

MIGRATIONS = "services.registration:migrations"
BATCH: int = inspect.signature(ConsumerRuntime.__init__).parameters["batch_size"].default
TARGET = 5_000
REGIONS = ("610502", "610102", "110105", "440305", "510107", "320106")
UPDATE = "UPDATE activities SET review_status = ?, review_reason = ? WHERE activity_id = ?"
INSERT = (
    "INSERT INTO activities (activity_id, unit_id, campaign_id, status, version, name, region_code, starts_at,"
    " ends_at, completeness, review_status, review_reason, data, info, registered_at, updated_at)"
    " VALUES (?, 'unit-1', '2026', 'registered', 1, '科普讲座', ?, ?, ?, 1.0, 'pending', NULL, '{}', NULL, ?, ?)"
)


async def publish_and_read(root: Path, topic: str, envelopes: Sequence[Envelope]) -> list[Record]:
    """The envelopes as a consumer of ``topic`` reads them from an embedded log of 3 partitions."""
    async with EmbeddedLog(root / f"{topic}.db", default_partitions=3, synchronous="OFF") as log:
        await log.ensure_topics([TopicSpec(topic, 3)])
        for start in range(0, len(envelopes), 10_000):
            await log.publish([message(e) for e in envelopes[start : start + 10_000]])
        records: list[Record] = []
        async with log.subscribe("bench", [topic]) as subscription:
            while len(records) < len(envelopes):
                records.extend(await subscription.poll(BATCH, 100))
    return records


def batches(records: Sequence[Record]) -> list[Sequence[Record]]:
    return [records[i : i + BATCH] for i in range(0, len(records), BATCH)]


def decode(batch: Sequence[Record]) -> list[tuple[str, None, str]]:
    """What every consumer of the stream does first, and the update each verdict becomes."""
    rows = []
    for record in batch:
        payload = CATALOG.payload(from_record(record))
        assert isinstance(payload, ActivityApproved)
        rows.append(("approved", None, payload.activity_id))
    return rows


class ReviewOutcomesCase:
    """A registration database with ``count`` registered activities and their approvals read from the bus."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "registration.db"
        self.approvals: list[Record] = []

    async def prepare(self, count: int) -> None:
        registered = [activity_registered(region_code=REGIONS[i % len(REGIONS)]) for i in range(count)]
        ids = [e.subject for e in registered]
        engine = create_engine(f"sqlite+aiosqlite:///{self.template}")
        try:
            await migrate(engine, MIGRATIONS)
            registrations = await publish_and_read(self.root, ACTIVITIES.name, registered)
            async with EmbeddedLog(self.root / "unused.db") as log:
                runtime = self._runtime(engine, log, DirectoryProjection(PackagedCentres()))
                for batch in batches(registrations):
                    await runtime.process(batch)
        finally:
            await engine.dispose()
        now = datetime.now(UTC).isoformat()
        db = sqlite3.connect(self.template, isolation_level=None)
        try:
            db.execute("BEGIN")
            db.executemany(INSERT, [(i, REGIONS[n % len(REGIONS)], now, now, now, now) for n, i in enumerate(ids)])
            db.execute("COMMIT")
        finally:
            db.close()
        self.approvals = await publish_and_read(self.root, REVIEWS.name, [activity_approved(i) for i in ids])

    def _runtime(self, engine: object, log: EmbeddedLog, projection: Projection) -> ConsumerRuntime:
        return ConsumerRuntime(engine, Recorder(BackboneTables(metadata)), log, projection)  # type: ignore[arg-type]

    def _copy(self) -> Path:
        path = self.root / f"copy-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        return path

    async def _process(self, projection: Projection) -> float:
        path = self._copy()
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            async with EmbeddedLog(self.root / "unused.db") as log:  # the runtime needs a bus; process never uses it
                runtime = self._runtime(engine, log, projection)
                settle_heap()
                started = time.perf_counter()
                for batch in batches(self.approvals):
                    await runtime.process(batch)
                elapsed = time.perf_counter() - started
            if runtime.applied != len(self.approvals):
                raise RuntimeError(f"applied {runtime.applied} of {len(self.approvals)} events")
        finally:
            await engine.dispose()
            path.unlink()
        return rate(len(self.approvals), elapsed)

    async def review_outcomes(self) -> float:
        return await self._process(ReviewOutcomeProjection())

    async def directory(self) -> float:
        return await self._process(DirectoryProjection(PackagedCentres()))

    async def decode_and_update(self) -> float:
        path = self._copy()
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            settle_heap()
            started = time.perf_counter()
            for batch in batches(self.approvals):
                rows = decode(batch)
                db.execute("BEGIN IMMEDIATE")
                db.executemany(UPDATE, rows)
                db.execute("COMMIT")
            elapsed = time.perf_counter() - started
        finally:
            db.close()
            path.unlink()
        return rate(len(self.approvals), elapsed)

    async def decode_only(self) -> float:
        settle_heap()
        started = time.perf_counter()
        for batch in batches(self.approvals):
            decode(batch)
        return rate(len(self.approvals), time.perf_counter() - started)


async def main_async(count: int, reps: int) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        case = ReviewOutcomesCase(Path(scratch))
        await case.prepare(count)
        outcomes, directory, floor, decode_only = await interleaved(
            reps, [case.review_outcomes, case.directory, case.decode_and_update, case.decode_only]
        )
    subject = f"({count:,} approvals of {count:,} registered activities, batches of {BATCH:,})"
    return [
        Result(
            "review_outcomes",
            f"review outcomes: ConsumerRuntime.process {subject}",
            "events/s",
            outcomes,
            "decode + raw update",
            floor,
            target=f"≥ {TARGET:,} events/s",
            met=statistics.median(outcomes) >= TARGET,
        ),
        Result(
            "review_outcomes",
            "directory: ConsumerRuntime.process of the same approvals",
            "events/s",
            directory,
            "decode + raw update",
            floor,
            target=f"≥ {TARGET:,} events/s",
            met=statistics.median(directory) >= TARGET,
        ),
        Result("review_outcomes", "decode only (from_record + CATALOG.payload)", "events/s", decode_only),
    ]


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=5,
        quick_reps=3,
        extra=[
            ("--activities", {"type": int, "default": 0, "help": "activities and approvals (100,000; quick 20,000)"})
        ],
    )
    count = args.activities or (20_000 if args.quick else 100_000)
    report("Registration's review-outcome consumers", asyncio.run(main_async(count, args.reps)), args)


if __name__ == "__main__":
    main()
