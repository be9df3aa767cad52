"""Logins while registrations flow at saturation: a last-day burst of argon2 logins must not stall them.

The subject is the real registration app served as an OS process by ``bench.registration_server``
(as ``bench.registration`` serves it: uvicorn, one worker, SQLite in WAL mode, the embedded log), with
this checkout's password hashing: argon2id at its default parameters (OWASP's minimum) on a pool
beside the event loop, threads by default (``--pools thread,process`` measures both in one run). Its
database gets an open campaign and an organizer (``bench.workload.prepare_database``), then
``--accounts`` organizer units sign up through the API; they are the accounts that log in.

Each repetition runs two cases on every server, alternating their order (A B, then B A):

- **alone**: ``wrk`` drives ``POST /api/v1/activities`` at saturation (``--connections``, closed loop,
  ``registration.lua``'s varied bodies and tokens) for ``--seconds``;
- **burst**: the same ``wrk`` run while a second client in this process logs the accounts in over and
  over (``POST /api/v1/auth/token``, ``--login-concurrency`` at once, each account from its own
  address, as organizers log in), for the same window.

Reported: logins/s during the burst (logins answered 200 inside the window over its length), the
registrations' accepted/s and p99 with the burst against the same server's without it (the ratio is
what the burst costs them), and the logins' p99. Before every run the server is let settle (outbox
drained, idle).

The baseline, measured in the same run and interleaved with the subject, is the same measurement on
another commit (``--baseline f0b11fe``: checked out into a temporary worktree by ``bench.baseline``,
its own ``bench.registration_server`` run on its own code only, with its default hash parameters).
Without ``--baseline`` only the subject is measured.

    python -m bench.logins [--quick] [--baseline f0b11fe] [--seconds 10] [--connections 64]
                           [--accounts 64] [--login-concurrency 16] [--pools thread]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.factories import PASSWORD
from harness.launcher import stop_all, wait_healthy
from shared.store import create_engine

from .baseline import BASELINE_COMMIT, SUBJECT, Tree, checkout
from .common import Result, cli, report
from .registration import REGISTER_PATH, Bench, Run
from .registration_server import Server
from .workload import PREPARE, activity_bodies, sign_up_organizers

LOGIN_PATH = "/api/v1/auth/token"
TARGET_LOGINS = 50.0
UNITS = 8  # organizers whose tokens wrk posts registrations with
# the tree's own code migrates and seeds its database (its migrations may differ from this checkout's)


class TreeServer(Server):
    """``bench.registration_server`` of ``tree`` (run on that tree's code only, ``bench.baseline``),
    with ``env`` added to its ``KEPURI_*`` settings."""

    def __init__(self, label: str, tree: Tree, data_dir: Path, env: dict[str, str]) -> None:
        super().__init__(data_dir, f"sqlite+aiosqlite:///{data_dir / 'registration.db'}")
        self.label, self.tree, self.extra_env = label, tree, env

    def environment(self) -> dict[str, str]:
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
        env |= {"KEPURI_DATA_DIR": str(s.data_dir), "KEPURI_BUS_URL": s.bus_url}
        env |= {"KEPURI_REGISTRATION_PORT": str(s.port), "KEPURI_REGISTRATION_DATABASE_URL": s.database_url}
        return self.tree.env(env | self.extra_env)

    def prepare(self) -> str:
        """Migrate and seed the database with the tree's code; the first organizer's token."""
        return self.tree.run(PREPARE, self.environment()).strip().splitlines()[-1]

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        with open(self.log_path, "ab") as log:
            command = self.tree.command("bench.registration_server")
            self.process = subprocess.Popen(
                command, cwd=self.tree.root, env=self.environment(), stdout=log, stderr=subprocess.STDOUT
            )
        # Server.cpu_seconds reads these: without them a settle never saw the server idle
        self.processes = {self.label: self.process}
        try:
            if wait_healthy({self.label: f"{self.url}/readyz"}, self.processes, timeout=120.0):
                raise RuntimeError(f"{self.label} did not become ready:\n{self.log_path.read_text(errors='replace')}")
            yield self
        finally:
            stop_all(self.processes, grace=60.0)


@dataclass
class Logins:
    """What the login client saw in one window: completion times, latencies and failed answers."""

    window: tuple[float, float] = (0.0, 0.0)
    done: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds) of each 200
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        start, end = self.window
        return sum(start <= at <= end for at, _ in self.done) / (end - start)

    @property
    def p99_ms(self) -> float:
        latencies = sorted(s for _, s in self.done)
        return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else float("nan")


async def login_burst(url: str, phones: list[str], concurrency: int, stop: asyncio.Event, seen: Logins) -> None:
    """Log the accounts in, round robin from ``concurrency`` loops, until ``stop`` is set."""
    turn = itertools.count()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def loop() -> None:
            while not stop.is_set():
                k = next(turn) % len(phones)
                address = {"X-Forwarded-For": f"100.65.{k // 256 % 256}.{k % 256}"}  # an organizer's own
                started = time.perf_counter()
                try:
                    answer = await client.post(
                        LOGIN_PATH, json={"login": phones[k], "password": PASSWORD}, headers=address
                    )
                    status = str(answer.status_code)
                except httpx.HTTPError as error:
                    status = type(error).__name__
                if status == "200":
                    seen.done.append((time.perf_counter(), time.perf_counter() - started))
                else:
                    seen.failed[status] = seen.failed.get(status, 0) + 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))


@dataclass
class Samples:
    """One server's runs: registrations alone, registrations under the burst, and the burst's logins."""

    server: TreeServer
    alone: list[Run] = field(default_factory=list)
    burst: list[Run] = field(default_factory=list)
    logins: list[Logins] = field(default_factory=list)


async def measure_burst(bench: Bench, phones: list[str], args: argparse.Namespace) -> tuple[Run, Logins]:
    await bench.settle()
    stop, seen = asyncio.Event(), Logins()
    logging_in = asyncio.create_task(login_burst(bench.server.url, phones, args.login_concurrency, stop, seen))
    started = time.perf_counter()
    run = await bench.wrk_run(REGISTER_PATH, args.seconds)
    seen.window = (started, time.perf_counter())
    stop.set()
    await logging_in
    return run, seen


async def measure(servers: list[TreeServer], args: argparse.Namespace) -> list[Samples]:
    """Every server up at once; per repetition each runs alone and burst, in alternating order."""
    with contextlib.ExitStack() as stack:
        benches: list[tuple[Samples, Bench, list[str]]] = []
        for server in servers:
            token = server.prepare()
            stack.enter_context(server.running())
            tokens = [token, *sign_up_organizers(server.url, UNITS - 1)]
            phones = [f"1370001{k:04d}" for k in range(UNITS - 1)]
            phones += await sign_up_accounts(server.url, args.accounts - len(phones))
            bodies, tokens_file = server.settings.data_dir / "bodies.jsonl", server.settings.data_dir / "tokens.txt"
            bodies.write_bytes(b"\n".join(activity_bodies(args.bodies)) + b"\n")
            tokens_file.write_text("\n".join(tokens) + "\n")
            engine = create_engine(server.settings.database_url)
            benches.append((Samples(server), Bench(server, engine, [bodies, tokens_file], {}, args), phones))
        try:
            for _, bench, phones in benches:  # warm-up, unmeasured
                await bench.wrk_run(REGISTER_PATH, 2.0)
                await measure_burst(bench, phones, argparse.Namespace(**{**vars(args), "seconds": 2.0}))
            for rep in range(args.reps):
                for samples, bench, phones in benches if rep % 2 == 0 else reversed(benches):
                    for case in ("alone", "burst") if rep % 2 == 0 else ("burst", "alone"):
                        if case == "alone":
                            await bench.settle()
                            samples.alone.append(await bench.wrk_run(REGISTER_PATH, args.seconds))
                            line = f"{samples.alone[-1].rate:,.0f} accepted/s"
                        else:
                            run, seen = await measure_burst(bench, phones, args)
                            samples.burst.append(run)
                            samples.logins.append(seen)
                            line = f"{run.rate:,.0f} accepted/s with {seen.rate:,.1f} logins/s"
                        print(f"{samples.server.label} {case}: {line}", file=sys.stderr, flush=True)
        finally:
            for _, bench, _ in benches:
                await bench.engine.dispose()
    return [samples for samples, _, _ in benches]


async def sign_up_accounts(url: str, count: int) -> list[str]:
    """``count`` more organizer units signed up (not logged in); their logins (phones)."""
    phones = [f"1370002{k:04d}" for k in range(count)]
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for k, phone in enumerate(phones):
            unit = {
                "name": f"基准测试登录单位{k}",
                "unit_type": "society",
                "region_code": "610502",
                "contact_name": "王建国",
                "contact_phone": phone,
                "password": PASSWORD,
            }
            headers = {"X-Forwarded-For": f"100.66.{k // 256 % 256}.{k % 256}"}
            (await client.post("/api/v1/units", json=unit, headers=headers)).raise_for_status()
    return phones


def results(all_samples: list[Samples], baseline: Samples | None) -> list[Result]:
    rows = []
    for s in all_samples:
        label = s.server.label
        logins = [seen.rate for seen in s.logins]
        if s is not baseline:
            rows.append(
                Result(
                    "logins",
                    f"{label}: logins/s while registrations run at saturation",
                    "logins/s",
                    logins,
                    f"{baseline.server.label} logins/s" if baseline else "",
                    [seen.rate for seen in baseline.logins] if baseline else [],
                    target="≥ 50/s",
                    met=statistics.median(logins) >= TARGET_LOGINS,
                )
            )
        rows += [
            Result(
                "logins",
                f"{label}: registrations accepted/s during the burst",
                "requests/s",
                [r.rate for r in s.burst],
                "the same without logins",
                [r.rate for r in s.alone],
            ),
            Result(
                "logins",
                f"{label}: registrations p99 during the burst",
                "ms",
                [r.ms("p99_us") for r in s.burst],
                "the same without logins",
                [r.ms("p99_us") for r in s.alone],
            ),
            Result("logins", f"{label}: login p99 during the burst", "ms", [seen.p99_ms for seen in s.logins]),
        ]
    return rows


def notes(all_samples: list[Samples], args: argparse.Namespace) -> list[str]:
    lines = []
    for s in all_samples:
        failed: dict[str, int] = {}
        for seen in s.logins:
            for status, n in seen.failed.items():
                failed[status] = failed.get(status, 0) + n
        non_201 = sum(r.count("failed") for r in s.alone + s.burst)
        lines.append(
            f"{s.server.label} ({s.server.tree.label}, {s.server.extra_env or 'its default settings'}): "
            f"{non_201} registrations answered other than 201; logins failed: {failed or 'none'}."
        )
    lines.append(
        f"Load: wrk, 1 thread, {args.connections} connections, {args.bodies:,} bodies, tokens of {UNITS} organizers; "
        f"logins: {args.login_concurrency} at once from this process (httpx), round robin over {args.accounts} "
        f"organizer accounts each from its own address; {args.seconds:g} s windows after a 2 s warm-up of both "
        "cases; every server up for the whole run, servers and cases interleaved (A B, then B A)."
    )
    return lines


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kepuri-bench-logins-")))
        servers = []
        if args.baseline:
            tree = stack.enter_context(checkout(args.baseline))
            servers.append(TreeServer(f"baseline {args.baseline}", tree, root / "baseline", {}))
        for pool in args.pools:
            env = {"KEPURI_REGISTRATION_PASSWORD_HASH_POOL": pool}
            servers.append(TreeServer(f"{pool} pool", SUBJECT, root / pool, env))
        all_samples = await measure(servers, args)
    baseline = all_samples[0] if args.baseline else None
    return results(all_samples, baseline), notes(all_samples, args)


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--baseline", {"default": "", "help": f"also measure this commit's server, e.g. {BASELINE_COMMIT}"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a window (default 10 s; quick 4 s)"}),
            ("--connections", {"type": int, "default": 64, "help": "wrk's connections (default 64)"}),
            ("--accounts", {"type": int, "default": 0, "help": "accounts that log in (default 64; quick 24)"}),
            ("--login-concurrency", {"type": int, "default": 16, "help": "logins at once (default 16)"}),
            ("--pools", {"default": "thread", "help": "comma-separated hash pools to measure: thread, process"}),
            ("--bodies", {"type": int, "default": 2000, "help": "different registration bodies (default 2000)"}),
        ],
    )
    args.seconds = args.seconds or (4.0 if args.quick else 10.0)
    args.accounts = max(args.accounts or (24 if args.quick else 64), args.login_concurrency, UNITS)
    args.pools = [p for p in args.pools.split(",") if p]
    if unknown := set(args.pools) - {"thread", "process"}:
        raise SystemExit(f"unknown pools: {', '.join(sorted(unknown))}")
    results_, notes_ = asyncio.run(main_async(args))
    report("Logins during saturated registrations", results_, args, notes_)


if __name__ == "__main__":
    main()
