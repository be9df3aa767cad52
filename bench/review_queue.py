"""Content review's queue at national size: a reviewing body's page and counts, subject against a baseline commit.

Why: in the national season (docs/benchmarks/history.md §22) the review api's two workers spent most
of their CPU in SQLite reads while 6,344 queue reads answered at p50 4.3 s and recommendations timed
out at 30 s. Every read of a county's, city's or province's queue filtered ``review_activities`` by
the body's region as ``region_code LIKE :prefix || '%'``, which no index serves, so each went through
the whole campaign. The subject reads the region as a range on an index (``shared.store.starts_with``,
``ix_review_scope``); the baseline is ``--baseline`` (default: main before that change) checked out
in a temporary worktree and run in the same run (bench/baseline.py).

Each tree gets a review database of its own (SQLite, migrated by the tree's own migrations) loaded
with the same ``--activities`` (500,000; 50,000 with ``--quick``) registered activities of one
campaign, spread evenly over 2,790 counties in 31 provinces (30 % pending, 65 % approved, 5 %
rejected), by raw ``sqlite3`` before any clock starts. Then, in each tree, its own
``SqlContentReads.queue`` (what ``GET /api/v1/review/queue`` runs: the first page of 50 pending
activities of the body's jurisdiction in the campaign, and its counts by status) is timed:

* **alone**, per level (county, city, province, national): the median over 20 bodies of that level,
  each asked once after one warm-up read, on one connection;
* **loaded**: ``--readers`` concurrent readers (16), each on a connection of its own, ask as county,
  city and province bodies at random (6 : 3 : 1) for ``--seconds`` (10; 4 with ``--quick``):
  reads per second, p50 and p99 of a read, and the process's CPU seconds per read, what each read
  costs a service's worker.

Trees alternate within each repetition (subject first, then baseline first); medians over ``--reps``.

    python -m bench.review_queue [--quick] [--reps 3] [--activities 500000] [--baseline REV] [--readers 16]
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .baseline import SUBJECT, Tree, checkout
from .common import Result, cli, report

CAMPAIGN = "2026"
BASELINE = "790d1e5"  # main before the region ranges (issue 21, §23)
LEVELS = ("county", "city", "province", "national")
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65]  # fmt: skip
COUNTIES = [f"{p}{c:02d}{k:02d}" for p in PROVINCES for c in range(1, 11) for k in range(1, 10)]
ROW = (
    "activity_id campaign name organizer_id organizer_name region_code category themes format science_workers "
    "registered_at status version info_completed completeness check_ins ratings rating_sum review review_version"
).split()

# Run in each tree (bench/baseline.py's Tree.run): migrate an empty database with the tree's migrations.
MIGRATE = """
import asyncio, sys
from shared.store import create_engine
from shared.store.migrations import migrate

async def main(url):
    engine = create_engine(url)
    await migrate(engine, "services.review:migrations")
    await engine.dispose()

asyncio.run(main(sys.argv[1]))
"""

# Run in each tree: time its queue reads on a loaded database; print the figures as JSON.
TIME = """
import asyncio, json, random, resource, statistics, sys, time
from shared.store import create_engine
from services.review.adapters.content_reads import SqlContentReads
from services.review.domain.bodies import Body
from services.review.service.ports import QueueFilter

url, campaign, seconds, readers = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
bodies = json.loads(sys.argv[5])
wanted = QueueFilter(status="pending", campaign=campaign)

async def read(engine, body):
    async with engine.connect() as connection:
        rows, counts = await SqlContentReads(connection).queue(body, wanted, None, 50)
    assert rows and sum(counts.values()) >= len(rows)

async def main():
    engine = create_engine(url, pool_size=readers)
    alone = {}
    for level, codes in bodies["alone"].items():
        times = []
        for code in codes:
            body = Body(level, code)
            await read(engine, body)
            started = time.perf_counter()
            await read(engine, body)
            times.append((time.perf_counter() - started) * 1000)
        alone[level] = statistics.median(times)
    mixed = [Body(level, code) for level, code in bodies["loaded"]]
    latencies = []
    until = time.monotonic() + seconds

    async def reader(n):
        pick = random.Random(n)
        while time.monotonic() < until:
            started = time.perf_counter()
            await read(engine, pick.choice(mixed))
            latencies.append((time.perf_counter() - started) * 1000)

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    await asyncio.gather(*(reader(n) for n in range(readers)))
    elapsed = time.monotonic() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    await engine.dispose()
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(json.dumps({"alone": alone, "rate": len(latencies) / elapsed, "p50": statistics.median(latencies),
                      "p99": p99, "cpu_ms_per_read": cpu_s * 1000 / len(latencies)}))

asyncio.run(main())
"""


def rows(count: int) -> Iterator[tuple[object, ...]]:
    """``count`` registered activities of :data:`CAMPAIGN`, the same for every tree (seeded)."""
    pick = random.Random(2026)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    for n in range(count):
        county = COUNTIES[n % len(COUNTIES)]
        roll = pick.random()
        review = "pending" if roll < 0.30 else "approved" if roll < 0.95 else "rejected"
        registered = (start + timedelta(seconds=n * 2)).isoformat(sep=" ")
        yield (f"a{n:07d}", CAMPAIGN, f"活动{n}", f"u{pick.randrange(count // 3 + 1):07d}", "科普单位",
               f"{county}{pick.randrange(1, 20):03d}", "科技", "[]", "offline", pick.randrange(8), registered,
               "registered", 1, pick.random() < 0.6, 0.5, pick.randrange(3), 0, 0, review, 0)  # fmt: skip


def build(tree: Tree, path: Path, count: int) -> None:
    """Migrate ``path`` with ``tree``'s migrations, then load the activities."""
    tree.run(MIGRATE, None, f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as connection:
        marks = ",".join("?" * len(ROW))
        connection.executemany(f"INSERT INTO review_activities ({','.join(ROW)}) VALUES ({marks})", rows(count))


def bodies() -> dict[str, Any]:
    """The bodies asked: 20 of each level alone; the loaded mix, 6 county : 3 city : 1 province."""
    pick = random.Random(21)
    counties = pick.sample(COUNTIES, 60)
    cities = sorted({code[:4] for code in COUNTIES})
    provinces = [str(p) for p in PROVINCES]
    alone = {
        "county": counties[:20],
        "city": pick.sample(cities, 20),
        "province": pick.sample(provinces, 20),
        "national": [""] * 20,
    }
    loaded = [("county", c) for c in counties] + [("city", c) for c in pick.sample(cities, 30)]
    loaded += [("province", p) for p in pick.sample(provinces, 10)]
    return {"alone": alone, "loaded": loaded}


def measure(tree: Tree, path: Path, seconds: float, readers: int) -> dict[str, Any]:
    args = (f"sqlite+aiosqlite:///{path}", CAMPAIGN, str(seconds), str(readers), json.dumps(bodies()))
    figures: dict[str, Any] = json.loads(tree.run(TIME, None, *args))
    return figures


def results(subject: list[dict[str, Any]], baseline: list[dict[str, Any]], label: str, readers: int) -> list[Result]:
    def of(samples: list[dict[str, Any]], key: str, level: str | None = None) -> list[float]:
        return [float(s["alone"][level] if level else s[key]) for s in samples]

    name = "review queue"
    found = [
        Result(name, f"{level}: page + counts, alone", "ms", of(subject, "alone", level), label,
               of(baseline, "alone", level))
        for level in LEVELS
    ]  # fmt: skip
    loaded = f"{readers} readers, county/city/province"
    found += [
        Result(name, f"{loaded}: reads/s", "requests/s", of(subject, "rate"), label, of(baseline, "rate")),
        Result(name, f"{loaded}: p50", "ms", of(subject, "p50"), label, of(baseline, "p50")),
        Result(name, f"{loaded}: p99", "ms", of(subject, "p99"), label, of(baseline, "p99")),
        Result(name, f"{loaded}: CPU per read", "ms", of(subject, "cpu_ms_per_read"), label,
               of(baseline, "cpu_ms_per_read")),
    ]  # fmt: skip
    return found


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--activities", {"type": int, "default": 0, "help": "activities loaded (500,000; quick 50,000)"}),
            ("--baseline", {"default": BASELINE, "help": f"the commit to compare with (default {BASELINE})"}),
            ("--readers", {"type": int, "default": 16, "help": "concurrent readers of the loaded case"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "seconds of the loaded case (10; quick 4)"}),
        ],
    )
    count = args.activities or (50_000 if args.quick else 500_000)
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    with checkout(args.baseline) as base, tempfile.TemporaryDirectory(prefix="kepuri-review-queue-") as scratch:
        trees = [SUBJECT, base]
        paths = {tree.label: Path(scratch) / f"{tree.label}.db" for tree in trees}
        for tree in trees:
            build(tree, paths[tree.label], count)
        samples: dict[str, list[dict[str, Any]]] = {tree.label: [] for tree in trees}
        for rep in range(args.reps):
            for tree in trees if rep % 2 == 0 else trees[::-1]:
                samples[tree.label].append(measure(tree, paths[tree.label], seconds, args.readers))
    notes = [
        f"{count:,} activities of one campaign in {len(COUNTIES):,} counties; SQLite; baseline {args.baseline} "
        "checked out and run in the same run; each figure the median over the repetitions.",
    ]
    found = results(samples["subject"], samples[args.baseline], args.baseline, args.readers)
    report("Content review's queue at national size", found, args, notes)


if __name__ == "__main__":
    main()
