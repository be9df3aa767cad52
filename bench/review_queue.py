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
* **loaded**: ``--readers`` concurrent readers (16), each on a connection of its own, review as the
  national season's reviewers do (simulation/flows.py): a province at random, its pending queue 200
  a page following the cursor, up to 20 pages a round, for ``--seconds`` (10; 4 with ``--quick``):
  pages per second, p50 and p99 of a page, and the process's CPU milliseconds per page, what each
  page costs a service's worker.
* **recommendations**: the tree's review service in one process (``build`` and ``create_app``, one
  event loop as one api worker has, the background work beside it, tokens signed as the tests sign
  them), the campaign configured through its view: 5 ``POST /api/v1/recommendations`` alone, then 20
  while ``--readers`` clients page provinces' queues through ``GET /api/v1/review/queue`` as above; each recommendation by a county of its own, of one of its approved activities
  whose information is complete (no quota, no claim refuses one): p50 alone, p50 and slowest under
  the readers, and the readers' p50 meanwhile. Then 20 more while the readers also do what the
  season's reviewers do after paging: approve the pending activities they paged, 500 a call
  (``POST /api/v1/review/activities/approve``), and those calls' p50.

Trees alternate within each repetition (subject first, then baseline first); medians over ``--reps``.

    python -m bench.review_queue [--quick] [--reps 3] [--activities 500000] [--baseline REV] [--readers 16]
"""

from __future__ import annotations

import contextlib
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
RECOMMENDATIONS = 25  # per repetition and tree: 5 alone, 20 under the readers, each by a county of its own
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
    provinces = [Body("province", code) for code in bodies["provinces"]]
    latencies = []
    until = time.monotonic() + seconds

    async def reader(n):  # a province's reviewer: its pending queue, 200 a page, up to 20 pages a round
        pick = random.Random(n)
        while time.monotonic() < until:
            body, after = pick.choice(provinces), None
            for _page in range(20):
                started = time.perf_counter()
                async with engine.connect() as connection:
                    rows, _counts = await SqlContentReads(connection).queue(body, wanted, after, 200)
                latencies.append((time.perf_counter() - started) * 1000)
                if len(rows) < 200 or time.monotonic() >= until:
                    break
                after = (rows[-1]["registered_at"], rows[-1]["activity_id"])

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


# Run in each tree: its review service in this process (one api worker's event loop, role all, as the
# tests build it) on the loaded database; recommendations alone, then while readers page queues.
RECOMMEND = """
import asyncio, json, random, statistics, sys, time
from pathlib import Path
import httpx
from harness.events import delivery
from services.review.bootstrap import build, create_app
from services.review.projections.review_view import ReviewView
from services.review.settings import ReviewSettings
from shared.auth import TokenVerifier, public_key_pem
from shared.store import sync_transaction
from tests.review.conftest import KEY, campaign, reviewer

url, data_dir, campaign_id, readers = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
provinces, alone_targets, loaded_targets = (json.loads(a) for a in sys.argv[5:8])
approving = sys.argv[8] == "approve"
NOMINATION = {"reason": "组织动员充分，参与人数多", "main_content": "面向中小学生开展科学实验展示",
              "contact_name": "王建国", "contact_phone": "13812345678", "opinion": "同意推荐"}

async def main():
    settings = ReviewSettings(data_dir=data_dir, database_url=url, bus_url=f"embedded:{data_dir / 'bus.db'}",
                              environment="test")
    app = create_app(build(settings, verifier=TokenVerifier(public_key_pem(KEY))))
    async with app.router.lifespan_context(app):
        engine = app.state.container.backbone.engine
        configured = [delivery(campaign(campaign_id))]
        await sync_transaction(engine, lambda connection: ReviewView().apply(connection, configured))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kepuri", timeout=300) as client:

            async def recommend(county, activity_id):
                body = {"campaign_id": campaign_id, "activity_id": activity_id, **NOMINATION}
                started = time.perf_counter()
                answer = await client.post("/api/v1/recommendations", json=body, headers=reviewer("county", county))
                assert answer.status_code == 201, answer.text
                return (time.perf_counter() - started) * 1000

            alone = [await recommend(*target) for target in alone_targets]
            signed = [reviewer("province", code) for code in provinces]
            reads, approvals, stop = [], [], asyncio.Event()

            async def reader(n):  # as the season's reviewers: a province's pending queue, 200 a page
                pick = random.Random(n)
                while not stop.is_set():
                    headers, cursor, pending = pick.choice(signed), None, []
                    for _page in range(20):
                        params = {"campaign_id": campaign_id, "status": "pending", "limit": 200}
                        started = time.perf_counter()
                        answer = await client.get("/api/v1/review/queue", params={**params, **({"cursor": cursor} if cursor else {})},
                                                  headers=headers)
                        assert answer.status_code == 200, answer.text
                        reads.append((time.perf_counter() - started) * 1000)
                        pending += [item["activity_id"] for item in answer.json()["items"]]
                        if stop.is_set() or not (cursor := answer.json()["next_cursor"]):
                            break
                    for start in range(0, len(pending) if approving else 0, 500):  # then approve them, 500 a call
                        started = time.perf_counter()
                        answer = await client.post("/api/v1/review/activities/approve",
                                                   json={"activity_ids": pending[start : start + 500]}, headers=headers)
                        assert answer.status_code == 200, answer.text
                        approvals.append((time.perf_counter() - started) * 1000)
                        if stop.is_set():
                            break

            running = [asyncio.create_task(reader(n)) for n in range(readers)]
            await asyncio.sleep(2.0)  # the readers are all at work
            loaded = [await recommend(*target) for target in loaded_targets]
            stop.set()
            await asyncio.gather(*running)
    print(json.dumps({"alone_p50": statistics.median(alone), "loaded_p50": statistics.median(loaded),
                      "loaded_max": max(loaded), "reads_p50": statistics.median(reads),
                      "approvals": len(approvals), "approve_p50": statistics.median(approvals) if approvals else None}))

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
        registered = (start + timedelta(seconds=n * 2)).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it
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
    """The bodies asked: 20 of each level alone; under load, every province (the season's reviewers)."""
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
    return {"alone": alone, "provinces": provinces}


def measure(tree: Tree, path: Path, seconds: float, readers: int) -> dict[str, Any]:
    args = (f"sqlite+aiosqlite:///{path}", CAMPAIGN, str(seconds), str(readers), json.dumps(bodies()))
    figures: dict[str, Any] = json.loads(tree.run(TIME, None, *args))
    return figures


def eligible(path: Path) -> list[tuple[str, str]]:
    """One activity a county may recommend (approved, information completed) in each county, by county."""
    query = (
        "SELECT substr(region_code, 1, 6), min(activity_id) FROM review_activities "
        "WHERE review = 'approved' AND info_completed GROUP BY substr(region_code, 1, 6) ORDER BY 1"
    )
    with sqlite3.connect(path) as connection:
        return [(county, activity_id) for county, activity_id in connection.execute(query)]


def recommending(tree: Tree, path: Path, readers: int, targets: list[tuple[str, str]], approve: bool) -> dict[str, Any]:
    """Recommendations of ``targets`` (each county's one: no quota or claim refuses them), 5 alone, the
    rest while ``readers`` page queues (and, with ``approve``, approve what they paged), in ``tree``'s
    service; the figures' names end in ``+approve`` with ``approve``."""
    args = (f"sqlite+aiosqlite:///{path}", str(path.parent / f"{tree.label}-files"), CAMPAIGN, str(readers),
            json.dumps(bodies()["provinces"]), json.dumps(targets[:5]), json.dumps(targets[5:]),
            "approve" if approve else "page")  # fmt: skip
    figures: dict[str, Any] = json.loads(tree.run(RECOMMEND, None, *args))
    return {f"{name}+approve" if approve else name: value for name, value in figures.items()}


@contextlib.contextmanager
def scratch_copy(path: Path) -> Iterator[Path]:
    """A copy of the database at ``path`` beside it, removed afterwards."""
    copy = path.with_name(f"{path.stem}-copy.db")
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the WAL's pages included
    try:
        yield copy
    finally:
        for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            leftover.unlink(missing_ok=True)


def results(subject: list[dict[str, Any]], baseline: list[dict[str, Any]], label: str, readers: int) -> list[Result]:
    def of(samples: list[dict[str, Any]], key: str, level: str | None = None) -> list[float]:
        return [float(s["alone"][level] if level else s[key]) for s in samples]

    name = "review queue"
    found = [
        Result(name, f"{level}: page + counts, alone", "ms", of(subject, "alone", level), label,
               of(baseline, "alone", level))
        for level in LEVELS
    ]  # fmt: skip
    loaded = f"{readers} province reviewers paging (200)"
    found += [
        Result(name, f"{loaded}: pages/s", "requests/s", of(subject, "rate"), label, of(baseline, "rate")),
        Result(name, f"{loaded}: p50", "ms", of(subject, "p50"), label, of(baseline, "p50")),
        Result(name, f"{loaded}: p99", "ms", of(subject, "p99"), label, of(baseline, "p99")),
        Result(name, f"{loaded}: CPU per page", "ms", of(subject, "cpu_ms_per_read"), label,
               of(baseline, "cpu_ms_per_read")),
    ]  # fmt: skip
    name, service = "recommendation", "POST /api/v1/recommendations, one service process"
    found.append(
        Result(name, f"{service}, alone: p50", "ms", of(subject, "alone_p50"), label, of(baseline, "alone_p50"))
    )
    for suffix, load in (
        ("", f"{readers} province reviewers paging"),
        ("+approve", "… paging and approving 500 a call"),
    ):
        found += [
            Result(name, f"{service}, {load}: p50", "ms", of(subject, f"loaded_p50{suffix}"), label,
                   of(baseline, f"loaded_p50{suffix}")),
            Result(name, f"{service}, {load}: slowest", "ms", of(subject, f"loaded_max{suffix}"), label,
                   of(baseline, f"loaded_max{suffix}")),
            Result(name, f"{load}: their queue pages' p50", "ms", of(subject, f"reads_p50{suffix}"), label,
                   of(baseline, f"reads_p50{suffix}")),
        ]  # fmt: skip
    found.append(
        Result(name, "… their approvals (500 a call): p50", "ms", of(subject, "approve_p50+approve"), label,
               of(baseline, "approve_p50+approve"))
    )  # fmt: skip
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
        targets = eligible(paths[SUBJECT.label])  # the same activities in both databases
        samples: dict[str, list[dict[str, Any]]] = {tree.label: [] for tree in trees}
        for rep in range(args.reps):
            mine = targets[rep * 2 * RECOMMENDATIONS : (rep + 1) * 2 * RECOMMENDATIONS]
            for tree in trees if rep % 2 == 0 else trees[::-1]:
                figures = measure(tree, paths[tree.label], seconds, args.readers)
                figures.update(recommending(tree, paths[tree.label], args.readers, mine[:RECOMMENDATIONS], False))
                with scratch_copy(paths[tree.label]) as copy:  # approvals empty queues: later reps start as this one
                    figures.update(recommending(tree, copy, args.readers, mine[RECOMMENDATIONS:], True))
                samples[tree.label].append(figures)
    notes = [
        f"{count:,} activities of one campaign in {len(COUNTIES):,} counties; SQLite; baseline {args.baseline} "
        "checked out and run in the same run; each figure the median over the repetitions.",
    ]
    found = results(samples["subject"], samples[args.baseline], args.baseline, args.readers)
    report("Content review's queue at national size", found, args, notes)


if __name__ == "__main__":
    main()
