"""Replicas: the public directory's reads and check-ins served by one registration process, then by two.

DESIGN §8 scales directory reads and check-ins "by replicas": registration's HTTP side keeps no state
of its own (the directory is a view in the database, check-ins are committed with their outbox row),
so a second process on the same database and bus serves the same answers. This run measures what a
second replica adds on this machine:

1. **Load** ``--activities`` (default 100,000; quick 20,000) activities into a fresh SQLite database
   through the directory's own projection, as ``bench.directory`` does (every activity public, one
   in 25 held today).
2. **Serve** with ``1`` and then ``2`` processes of ``bench.registration_server`` on that database and
   one embedded bus (the order alternates between repetitions). Both replicas run the relay and the
   directory's consumer; they share the consumer group, as replicas do.
3. **Measure** each case with one ``wrk`` per replica (one thread each), ``--connections`` keep-alive
   connections split evenly between them, ``--seconds`` per run: text search, region lists and
   check-ins (``bench.directory``'s paths and Lua script). Requests/s are summed over the replicas;
   the p99 is the worst replica's. The one-replica run of the same repetition is the baseline.

The machine has two cores, and wrk, the replicas and their consumers share them: the ratio shows how
much of the second core a second replica turns into answers, not what a second machine would add.

    python -m bench.replicas [--activities 100000] [--seconds 10] [--connections 32] [--reps 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

from .common import Result, cli, report
from .directory import Bench, Run
from .directory_data import LABELS, Loader
from .registration_server import Server

CASES = ("search", "region", "check_in")
REPLICAS = (1, 2)


async def _measure(benches: list[Bench], case: str, seconds: float) -> list[Run]:
    """One wrk per replica, all at once."""
    return list(await asyncio.gather(*(bench.wrk_run(case, seconds) for bench in benches)))


async def _served(replicas: int, root: Path, database_url: str, paths: dict[str, list[str]], args: argparse.Namespace,
                  limits: dict[str, str]) -> dict[str, list[Run]]:  # fmt: skip
    """Every case against ``replicas`` processes; the runs of each case (one per replica)."""
    share = argparse.Namespace(**{**vars(args), "connections": max(1, args.connections // replicas)})
    with contextlib.ExitStack() as stack:
        benches = []
        for index in range(replicas):
            server = stack.enter_context(Server(root, database_url, env=limits).running())  # one data dir, one bus
            own = root / f"replica-{index}"  # wrk's script and paths
            own.mkdir(exist_ok=True)
            benches.append(Bench(server, own, paths, share))
        try:
            for case in CASES:  # warm-up
                await _measure(benches, case, 2.0)
            await benches[0].settle()
            measured = {}
            for case in CASES:
                await benches[0].settle()
                measured[case] = await _measure(benches, case, args.seconds)
                rate = sum(r.rate for r in measured[case])
                p99 = max(r.ms("p99_us") for r in measured[case])
                print(f"{replicas} replica(s) {case}: {rate:,.0f}/s p99 {p99:.1f} ms", file=sys.stderr, flush=True)
            return measured
        finally:
            for bench in benches:
                await bench.engine.dispose()


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    with tempfile.TemporaryDirectory(prefix="kepuri-replicas-") as scratch:
        root = Path(scratch)
        database_url = f"sqlite+aiosqlite:///{root / 'registration.db'}"
        loader = Loader(database_url, args.activities, 5000)
        await loader.load()
        paths = loader.paths()
        limits = {
            "KEPURI_REGISTRATION_DIRECTORY_RATE_BURST": "1000000",
            "KEPURI_REGISTRATION_DIRECTORY_RATE_PER_MINUTE": "60000000",
        }
        runs: dict[int, list[dict[str, list[Run]]]] = {n: [] for n in REPLICAS}
        for rep in range(args.reps):
            for replicas in reversed(REPLICAS) if rep % 2 else REPLICAS:
                runs[replicas].append(await _served(replicas, root, database_url, paths, args, limits))
    results = []
    failed = 0
    for case in CASES:
        rate = {n: [sum(r.rate for r in rep[case]) for rep in runs[n]] for n in REPLICAS}
        p99 = {n: [max(r.ms("p99_us") for r in rep[case]) for rep in runs[n]] for n in REPLICAS}
        failed += sum(r.n("failed") + r.n("socket_errors") for n in REPLICAS for rep in runs[n] for r in rep[case])
        label = LABELS[case]
        results.append(Result("replicas", f"{label}, 2 replicas: req/s", "requests/s", rate[2], "1 replica", rate[1]))
        results.append(Result("replicas", f"{label}, 2 replicas: p99", "ms", p99[2], "1 replica p99", p99[1]))
    scaling = results[0].ratio or float("nan")
    notes = [
        f"{args.activities:,} public activities in one SQLite database; wrk: {args.connections} keep-alive connections "
        f"in all, split between the replicas (one wrk process each), {args.seconds:g} s per run after a 2 s warm-up; "
        f"{args.reps} repetitions, the number of replicas in alternating order. Unexpected answers and socket errors "
        f"over all runs: {failed}.",
        f"Text search with two replicas answered {scaling:.2f}× the requests of one.",
    ]
    return results, notes


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--activities", {"type": int, "default": 0, "help": "activities loaded (default 100000; quick 20000)"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a run (default 10 s; quick 3 s)"}),
            ("--connections", {"type": int, "default": 32, "help": "wrk connections over all replicas (default 32)"}),
        ],
    )
    args.activities = args.activities or (20_000 if args.quick else 100_000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    results_, notes = asyncio.run(main_async(args))
    report("Replicas: the directory served by one and by two registration processes", results_, args, notes)


if __name__ == "__main__":
    main()
