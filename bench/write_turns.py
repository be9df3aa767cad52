"""Two processes writing one SQLite file: does one starve the other? (``shared.store.write_turns``)

In the national season (history §20) 73 of 124 ``POST /api/v1/recommendations`` waited 30 s and
timed out: review's api worker wanted the file's write lock while the background role's relay and
consumers, behind a backlog, took it one after the other. This bench plays that on a scratch file
through the services' own write path (``shared.store.sync_transaction``), for this checkout and for
``--baseline`` (default f0b11fe) checked out and run in the same run, taking turns:

- **api beside a busy background**: a background process runs ``--writers`` coroutines, each
  committing transactions of ``--rows`` rows back to back (a relay and consumers draining a
  backlog); the api process commits one row every 50 ms (a request) and reports how long each
  waited, median, p99 and most, and how many failed (SQLite's 30 s busy timeout). The background's
  transactions per second are the throughput paid for the api's turns.
- **two busy processes**: both run ``--writers`` back-to-back writers; the total transactions per
  second and the smaller process's share of them (0.5 is fair).

    python -m bench.write_turns [--quick] [--seconds 15] [--writers 3] [--rows 50] [--baseline f0b11fe]
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .baseline import BASELINE_COMMIT, SUBJECT, Tree, checkout
from .common import Result, cli, report

SCENARIO = r"""
import asyncio, json, multiprocessing, os, sys, tempfile, time
from sqlalchemy import text
from shared.store import create_engine, sync_transaction

case, seconds, writers, rows = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def insert(n):
    def work(connection):
        for _ in range(n):
            connection.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 200})
    return work

async def busy(url, until):
    engine = create_engine(url)
    async def one():
        count = 0
        while time.monotonic() < until:
            await sync_transaction(engine, insert(rows))
            count += 1
        return count
    counts = await asyncio.gather(*(one() for _ in range(writers)))
    await engine.dispose()
    return sum(counts)

def background(url, until, queue):
    queue.put(asyncio.run(busy(url, until)))

async def api(url, until):
    engine = create_engine(url)
    waits, failed = [], 0
    await asyncio.sleep(0.5)
    while time.monotonic() < until - 0.5:
        started = time.monotonic()
        try:
            await sync_transaction(engine, insert(1))
            waits.append((time.monotonic() - started) * 1000)
        except Exception:
            failed += 1
        await asyncio.sleep(0.05)
    await engine.dispose()
    return waits, failed

async def create(url):
    engine = create_engine(url)
    await sync_transaction(engine, lambda c: c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")))
    await engine.dispose()

with tempfile.TemporaryDirectory(prefix="kepuri-write-turns-") as scratch:
    url = f"sqlite+aiosqlite:///{scratch}/turns.db"
    asyncio.run(create(url))
    until = time.monotonic() + seconds
    context = multiprocessing.get_context("fork")  # nothing runs yet: the schema's engine is disposed
    queue = context.Queue()
    others = [context.Process(target=background, args=(url, until, queue)) for _ in range(2 if case == "busy" else 1)]
    for process in others:
        process.start()
    if case == "api":
        waits, failed = asyncio.run(api(url, until))
        counts = [queue.get()]
        waits.sort()
        at = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] if waits else float("nan")
        answer = {"p50": at(0.5), "p99": at(0.99), "max": waits[-1] if waits else float("nan"),
                  "writes": len(waits), "failed": failed, "background": counts[0] / seconds}
    else:
        counts = [queue.get() for _ in others]
        answer = {"total": sum(counts) / seconds, "share": min(counts) / max(1, sum(counts))}
    for process in others:
        process.join()
print(json.dumps(answer))
"""


def measure(tree: Tree, case: str, args: Any) -> dict[str, float]:
    out = tree.run(SCENARIO, None, case, str(args.seconds), str(args.writers), str(args.rows))
    answer: dict[str, float] = json.loads(out.splitlines()[-1])
    return answer


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a run (default 15 s; quick 6 s)"}),
            ("--writers", {"type": int, "default": 3, "help": "back-to-back writers per busy process (default 3)"}),
            ("--rows", {"type": int, "default": 50, "help": "rows per busy transaction (default 50)"}),
            ("--baseline", {"default": BASELINE_COMMIT, "help": "the commit measured beside this checkout"}),
        ],
    )
    args.seconds = args.seconds or (6.0 if args.quick else 15.0)
    samples: dict[tuple[str, str, str], list[float]] = {}
    with contextlib.ExitStack() as stack:
        baseline = stack.enter_context(checkout(args.baseline))
        for rep in range(args.reps):
            trees = (SUBJECT, baseline) if rep % 2 == 0 else (baseline, SUBJECT)
            for case in ("api", "busy"):
                for tree in trees:
                    for key, value in measure(tree, case, args).items():
                        samples.setdefault((tree.label, case, key), []).append(value)

    def row(case: str, key: str, name: str, unit: str, target: str = "") -> Result:
        return Result(
            "write turns", name, unit, samples[("subject", case, key)],
            baseline=args.baseline, baseline_samples=samples[(args.baseline, case, key)], target=target,
        )  # fmt: skip

    results = [
        row("api", "p50", "api write beside a busy background: wait, median", "ms"),
        row("api", "p99", "api write beside a busy background: wait, p99", "ms"),
        row("api", "max", "api write beside a busy background: wait, most", "ms"),
        row("api", "failed", "api writes failed (busy timeout)", "writes", target="0"),
        row("api", "background", "the busy background meanwhile", "transactions/s"),
        row("busy", "total", "two busy processes: together", "transactions/s"),
        row("busy", "share", "two busy processes: the smaller one's share", "share", target="0.5 is fair"),
    ]
    notes = [
        f"{args.writers} writers of {args.rows} rows per busy process, back to back; the api commits one row"
        f" every 50 ms; {args.seconds:g} s a run; subject and {args.baseline} take turns."
    ]
    report("SQLite write turns between processes", results, args, notes)


if __name__ == "__main__":
    main()
