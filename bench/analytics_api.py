"""The dashboard API part of ``python -m bench.analytics``: the statistics routes under 50 viewers.

A fresh analytics database gets ``--activities`` (default 100,000; quick 20,000) activities of one
campaign through the service's own projections before the server starts (``analytics_data.load``:
registrations over 14 days in every county, 70 % approved, 30 % with completed information, 10 %
rated, 5 % recommended up one to three levels). Then the service runs as an OS process on that data
directory (``python -m services.analytics``, as ``kepuri up`` runs it, embedded log idle) and ``wrk``
(1 thread, ``--connections`` keep-alive connections, closed loop, ``--api-seconds`` per run, cases in
alternating order, each once the server is idle again, medians over ``--reps``) asks each typical dashboard query in turn; the baseline is
``GET /healthz`` on the same process with the same settings. ``GET /api/v1/stats/dashboard`` answers
staff only: it is asked with an admin's token that the bench signs with a key of its own, whose key
set it serves to the service from a loopback port (:mod:`bench.staff`, as the tests sign theirs); only
that case sends a token, so the public statistics are measured as anonymous callers ask them. Every
answer but 200 counts as a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import httpx

from harness.events import message
from shared.bus import TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.events.topics import ALL_TOPICS

from .analytics_data import CAMPAIGN, histories, load
from .analytics_tree import portable, service_from, start, tree_name
from .common import Result, cpu_seconds
from .directory import LUA
from .registration import ensure_wrk
from .staff import StaffKeys, staff_keys

TARGET_P99_MS = 50.0
REGISTERED = "SELECT count(*) FROM activity_facts WHERE version > 0"
C = f"campaign={CAMPAIGN}"
QUERIES = {
    "healthz": ["/healthz"],
    "by province": [f"/api/v1/stats/activities?{C}&by=province"],
    "by category": [f"/api/v1/stats/activities?{C}&by=category"],
    "region=61&by=city": [f"/api/v1/stats/activities?{C}&region=61&by=city"],
    "registrations-per-minute": [f"/api/v1/stats/registrations-per-minute?{C}"],
    "recommendations": [f"/api/v1/stats/recommendations?{C}"],
    "dashboard": [f"/api/v1/stats/dashboard?{C}"],
}
STAFF_ONLY = {"dashboard"}  # asked with an admin's token; the rest as the anonymous public


def authorization(case: str, keys: StaffKeys) -> str:
    """The Authorization header ``case`` is asked with ("" for none)."""
    return keys.authorization("admin") if case in STAFF_ONLY else ""


def probe(url: str, keys: StaffKeys) -> tuple[dict[str, int], dict[str, float], list[str]]:
    """Each query alone on the idle server: its answer's size and the median of 5 round trips (one
    viewer); the dashboard left out unless it answers 200."""
    sizes: dict[str, int] = {}
    alone: dict[str, float] = {}
    skipped = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for case, paths in QUERIES.items():
            sent = authorization(case, keys)
            headers = {"Authorization": sent} if sent else {}
            answer = client.get(paths[0], headers=headers)
            if answer.status_code == 200:
                sizes[case] = len(answer.content)
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    client.get(paths[0], headers=headers).raise_for_status()
                    times.append((time.perf_counter() - started) * 1000)
                alone[case] = statistics.median(times)
            elif case == "dashboard":
                skipped.append(f"{paths[0]} answered {answer.status_code}: left out")
            else:
                raise RuntimeError(f"{paths[0]} answered {answer.status_code}: {answer.text[:300]}")
    return sizes, alone, skipped


async def settle(pid: int) -> None:
    """Wait until the server is idle: requests a closed wrk connection left behind are still served
    (a read on SQLite runs inline and cannot be cancelled), and would fall into the next run."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        cpu = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - cpu < 0.35 * 0.5:  # the idle consumers poll the log every few ms
            return
    raise RuntimeError("the server did not become idle within 180 s")


async def wrk_run(
    wrk: str, url: str, lua: Path, paths: Path, connections: int, seconds: float, sent_authorization: str = ""
) -> dict:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    command += ["-s", str(lua), url, "--", str(paths), "GET", "200", "1", sent_authorization]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    line = next((ln for ln in output.decode().splitlines() if ln.startswith("kepuri-bench ")), None)
    if process.returncode or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output.decode()}")
    stats = json.loads(line.removeprefix("kepuri-bench "))
    stats["rate"] = stats["ok"] / (stats["duration_us"] / 1e6)
    return stats


async def api_part(data: Path, args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    await asyncio.to_thread(data.mkdir, parents=True)
    wrk = ensure_wrk()
    applied, loading = await load(data / "analytics.db", args.activities)
    size = (data / "analytics.db").stat().st_size
    print(f"loaded {args.activities:,} activities ({applied:,} events) in {loading:.0f} s", file=sys.stderr)
    with staff_keys() as keys:
        results, said = await _measure(data, wrk, keys, applied, loading, size, args)
        if args.tree is None:
            return results, said
        other = data.parent / "api-tree"
        await asyncio.to_thread(other.mkdir)
        await publish_histories(other, args.activities)
        tree_results, _ = await _measure(other, wrk, keys, applied, loading, size, args, tree=args.tree)
    return results + compared(results, tree_results, tree_name(args.tree)), said


def registered_count(database: Path) -> int:
    """Registered activities in the facts view now (0 before the service made it)."""
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return 0
    try:
        return int(db.execute(REGISTERED).fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        db.close()


async def loaded(database: Path, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while await asyncio.to_thread(registered_count, database) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{database}: the service did not build its views within {timeout_s:g} s")
        await asyncio.sleep(0.5)


async def publish_histories(data: Path, count: int) -> None:
    """The same events :func:`load` applies, published on a fresh embedded log for another tree's
    service to consume (its own projections and migrations build its views)."""
    async with EmbeddedLog(data / "bus.db", default_partitions=3, synchronous="OFF") as log:
        await log.ensure_topics([TopicSpec(t.name, 3) for t in ALL_TOPICS])
        events = histories(count)
        for start_at in range(0, len(events), 10_000):
            await log.publish([message(portable(e)) for e in events[start_at : start_at + 10_000]])


def compared(mine: list[Result], theirs: list[Result], name: str) -> list[Result]:
    """This tree's p99 of each case beside the other tree's, same run."""
    other = {r.case: r for r in theirs}
    return [
        Result("analytics API", f"{r.case}: this tree", r.unit, r.samples, f"{name} tree", other[r.case].samples)
        for r in mine
        if r.case.endswith(": p99") and r.case in other
    ]


async def _measure(
    data: Path,
    wrk: str,
    keys: StaffKeys,
    applied: int,
    loading: float,
    size: int,
    args: argparse.Namespace,
    tree: Path | None = None,
) -> tuple[list[Result], list[str]]:
    bus = f"embedded:{data / 'bus.db'}"
    service = service_from(tree, "analytics", data, bus, log_level="WARNING", analytics_jwks_url=keys.jwks_url)
    start(service, tree)
    assert service.process is not None
    if tree is not None:  # its consumers build its views from the log
        database = data / "analytics.db"
        await loaded(database, args.activities, 1800)
        await settle(service.process.pid)
    try:
        sizes, alone, skipped = await asyncio.to_thread(probe, service.url, keys)
        cases = [c for c in QUERIES if c in sizes]
        lua = data / "dashboard.lua"
        lua.write_text(LUA)
        files = {}
        for case in cases:
            files[case] = data / f"{case.replace('/', '-').replace('&', '-')}.paths"
            files[case].write_text("\n".join(QUERIES[case]) + "\n")
        runs: dict[str, list[dict]] = {case: [] for case in cases}
        for rep in range(args.reps):
            for case in reversed(cases) if rep % 2 else cases:
                await settle(service.process.pid)
                stats = await wrk_run(
                    wrk, service.url, lua, files[case], args.connections, args.api_seconds, authorization(case, keys)
                )
                runs[case].append(stats)
                print(f"{case}: {stats['rate']:,.0f}/s p50 {stats['p50_us'] / 1000:.1f} ms "
                      f"p99 {stats['p99_us'] / 1000:.1f} ms", file=sys.stderr, flush=True)  # fmt: skip
    finally:
        service.stop()
    return summarize(runs, alone, args), notes(runs, sizes, skipped, applied, loading, size, args)


def summarize(runs: dict[str, list[dict]], alone: dict[str, float], args: argparse.Namespace) -> list[Result]:
    base = runs["healthz"]

    def ms(got: list[dict], name: str) -> list[float]:
        return [r[name] / 1000 for r in got]

    rows = [
        Result("analytics API", "GET /healthz (baseline): req/s", "requests/s", [r["rate"] for r in base]),
        Result("analytics API", "GET /healthz (baseline): p50", "ms", ms(base, "p50_us")),
        Result("analytics API", "GET /healthz (baseline): p99", "ms", ms(base, "p99_us")),
        Result("analytics API", "GET /healthz alone (1 viewer, idle): median of 5", "ms", [alone["healthz"]]),
    ]
    for case, got in runs.items():
        if case == "healthz":
            continue
        p99 = ms(got, "p99_us")
        label = f"{case} ({args.activities // 1000}k activities, {args.connections} viewers)"
        rows += [
            Result(
                "analytics API",
                f"{label}: req/s",
                "requests/s",
                [r["rate"] for r in got],
                "healthz",
                [r["rate"] for r in base],
            ),
            Result("analytics API", f"{label}: p50", "ms", ms(got, "p50_us"), "healthz p50", ms(base, "p50_us")),
            Result(
                "analytics API",
                f"{label}: p99",
                "ms",
                p99,
                "healthz p99",
                ms(base, "p99_us"),
                target="≤ 50 ms",
                met=statistics.median(p99) <= TARGET_P99_MS,
            ),
            Result(
                "analytics API",
                f"{case} alone (1 viewer, idle): median of 5",
                "ms",
                [alone[case]],
                "healthz alone",
                [alone["healthz"]],
            ),
        ]
    return rows


def notes(
    runs: dict[str, list[dict]],
    sizes: dict[str, int],
    skipped: list[str],
    applied: int,
    loading: float,
    size: int,
    args: argparse.Namespace,
) -> list[str]:
    failures = []
    for case, got in runs.items():
        failed = sum(r["failed"] for r in got)
        socket = sum(r["socket_errors"] for r in got)
        failures.append(f"{case} {failed}/{socket}")
    answer = ", ".join(f"{case} {n / 1024:,.1f} KiB" for case, n in sizes.items() if case != "healthz")
    return [
        f"Dashboard API: {args.activities:,} activities of campaign {CAMPAIGN} ({applied:,} events with approvals, "
        f"completions, ratings and recommendations) applied through the three projections before the server "
        f"started, in {loading:.0f} s; database {size / 2**20:,.0f} MiB. wrk: 1 thread, {args.connections} "
        f"keep-alive connections (closed loop), {args.api_seconds:g} s per run, each once the server is idle again "
        f"(the probe's requests warmed it); cases in alternating order. Answer sizes: {answer}. Non-200 answers / socket errors per "
        f"case over all runs: {', '.join(failures)}." + (f" {' '.join(skipped)}." if skipped else ""),
    ]
