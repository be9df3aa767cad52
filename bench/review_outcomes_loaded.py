"""Registration's consumers of the reviews stream under a saturated API: a burst of verdicts drained
while ``wrk`` keeps ``POST /api/v1/activities`` busy, against the same burst drained with the API idle.

The registration service runs as ``kepuri up`` runs it (``python -m services.registration``, SQLite in
WAL mode, the embedded log), in one of two layouts, each measured when available:

* ``all``: one process serving the API and running the relay and consumers (today's layout);
* ``roles``: ``--role api --workers N`` and ``--role background`` (the process roles of issue 21), so
  the consumers run in a process of their own. Measured only when ``RegistrationSettings`` has a
  ``role`` field; otherwise reported as not available.

Before the service starts, N activities (150,000; quick 20,000) get their ``activities`` rows; their
``activity-registered`` events are published once it serves, and the directory has built its entries
before anything is timed. Each repetition then publishes N verdicts for them (harness/events.py: an
approval, or a rejection every other repetition, at the next review sequence, so every verdict changes
each view) and polls the service's ``tracking`` table until both consumers of the reviews stream
(``registration.review-outcomes``, ``registration.directory``) have applied them all, then checks
that every activity's row shows the verdict (applied, not dead-lettered). Per case:

* consumer rate: N / (time from the first verdict published to the consumer's last applied);
* lag to zero: seconds from the last verdict published until the slower consumer has applied it;
* accepted/s of the API while the burst drained (loaded case only; wrk with 64 connections).

Baseline, same run, interleaved: the same burst on the same deployment with the API idle. With
``--baseline f0b11fe`` that commit is checked out into a temporary worktree (``bench.baseline``) and
its own ``services.registration`` (one process: it has no roles) is measured the same way first, on a
database prepared by its own code; the events are the same, each ``dataschema`` written as that
tree's code writes it (f0b11fe's were relative, ``/events/<type>.v<N>.json``).

    python -m bench.review_outcomes_loaded [--quick] [--verdicts N] [--workers N] [--layouts all,roles]
                                           [--baseline f0b11fe]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from harness.events import activity_approved, activity_registered, activity_rejected, message
from harness.launcher import Process, launch, stop_all, wait_healthy
from harness.ports import free_port
from services.registration.settings import RegistrationSettings
from shared.bus import Message
from shared.bus.embedded import EmbeddedLog
from shared.events import Envelope
from shared.events.codec import CE_PREFIX
from shared.events.envelope import dataschema_uri
from shared.events.topics import ACTIVITIES, REVIEWS

from .baseline import BASELINE_COMMIT, SUBJECT, Tree, checkout
from .common import Result, cli, report
from .registration import LUA, REGISTER_PATH, ensure_wrk
from .workload import PREPARE, activity_bodies, sign_up_organizers

GROUPS = ("registration.review-outcomes", "registration.directory")
TARGET = 5_000
LAG_TARGET_S = 60.0
WARM_UP_S = 3.0
CONNECTIONS = 64
REGIONS = ("610502", "610102", "110105", "440305", "510107", "320106")
INSERT = (
    "INSERT INTO activities (activity_id, unit_id, campaign_id, status, version, name, region_code, starts_at,"
    " ends_at, completeness, review_status, review_reason, data, info, registered_at, updated_at)"
    " VALUES (?, 'unit-1', '2026', 'registered', 1, '科普讲座', ?, ?, ?, 1.0, 'pending', NULL, '{}', NULL, ?, ?)"
)


def roles_available() -> bool:
    """Whether the service can run as separate API and background processes (issue 21's roles)."""
    return "role" in RegistrationSettings.model_fields


@dataclass
class Drain:
    """One burst: when it was published and when each consumer had applied it."""

    count: int
    published_s: float  # from the first verdict published to the last
    caught_up_s: dict[str, float]  # consumer -> from the first verdict published to its last applied
    accepted_per_s: float | None = None  # the API's rate meanwhile (loaded case)

    def rate(self, group: str) -> float:
        return self.count / self.caught_up_s[group]

    @property
    def lag_to_zero_s(self) -> float:
        return max(self.caught_up_s.values()) - self.published_s


DATASCHEMA = "from shared.events.envelope import dataschema_uri\nprint(dataschema_uri('x', 1))\n"


class Deployment:
    """The registration service of ``tree`` in one layout, on a SQLite file and an embedded log in ``root``."""

    def __init__(self, root: Path, layout: str, workers: int, tree: Tree = SUBJECT) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.layout, self.workers, self.tree = root, layout, workers, tree
        self.settings = RegistrationSettings(
            data_dir=root,
            database_url=f"sqlite+aiosqlite:///{root / 'registration.db'}",
            bus_url=f"embedded:{root / 'bus.db'}",
            port=free_port(),
        )
        self.background_port = free_port()
        self.url = f"http://127.0.0.1:{self.settings.port}"
        self.database = root / "registration.db"
        self.processes: dict[str, Process] = {}
        self._schema_base: str | None = None  # how this tree's code begins a dataschema

    def environment(self) -> dict[str, str]:
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
        env |= {"KEPURI_DATA_DIR": str(s.data_dir), "KEPURI_BUS_URL": s.bus_url}
        env |= {"KEPURI_REGISTRATION_PORT": str(s.port), "KEPURI_REGISTRATION_DATABASE_URL": s.database_url}
        env |= {"KEPURI_REGISTRATION_BACKGROUND_PORT": str(self.background_port)}
        return self.tree.env(env)

    def prepare(self) -> str:
        """Migrate and seed the database with the tree's own code; the first organizer's token."""
        return self.tree.run(PREPARE, self.environment()).strip().splitlines()[-1]

    def messages(self, envelopes: list[Envelope]) -> list[Message]:
        """The envelopes as bus messages, their ``dataschema`` as this tree's code writes it."""
        messages = [message(e) for e in envelopes]
        if self._schema_base is None:
            self._schema_base = self.tree.run(DATASCHEMA, self.environment()).strip().removesuffix("x.v1.json")
        theirs, ours = self._schema_base, dataschema_uri("x", 1).removesuffix("x.v1.json")
        if theirs == ours:
            return messages
        return [replace(m, headers=tuple(_rebased(h, ours, theirs) for h in m.headers)) for m in messages]

    @contextlib.contextmanager
    def running(self) -> Iterator[Deployment]:
        env = self.environment()
        command = self.tree.command("services.registration")
        health = {"api": f"{self.url}/readyz"}
        if self.layout == "roles":
            self.processes["api"] = launch(
                [*command, "--role", "api", "--workers", str(self.workers)], env, self._log("api")
            )
            self.processes["background"] = launch([*command, "--role", "background"], env, self._log("background"))
            health["background"] = f"http://127.0.0.1:{self.background_port}/readyz"
        else:
            self.processes["api"] = launch(command, env, self._log("api"))
        try:
            if failed := wait_healthy(health, self.processes, timeout=120.0):
                logs = "\n".join(self._log(name).read_text(errors="replace")[-3000:] for name in failed)
                raise RuntimeError(f"registration ({self.layout}) did not become ready: {failed}\n{logs}")
            yield self
        finally:
            stop_all(self.processes, grace=60.0)

    def _log(self, name: str) -> Path:
        return self.root / f"registration-{self.layout}-{name}.log"

    def verdicts(self, status: str) -> int:
        """Activities whose row shows ``status``: what the review-outcome consumer applied."""
        db = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        try:
            return int(db.execute("SELECT count(*) FROM activities WHERE review_status = ?", (status,)).fetchone()[0])
        finally:
            db.close()

    def applied(self, topic: str) -> dict[str, int]:
        """Records of ``topic`` each consumer group has applied (its tracking rows: offset + 1 per partition)."""
        db = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        try:
            rows = db.execute(
                'SELECT consumer, SUM("offset" + 1) FROM tracking WHERE topic = ? GROUP BY consumer', (topic,)
            ).fetchall()
        finally:
            db.close()
        return {consumer: int(total) for consumer, total in rows}


def _rebased(header: tuple[str, bytes], ours: str, theirs: str) -> tuple[str, bytes]:
    name, value = header
    if name == CE_PREFIX + "dataschema" and value.startswith(ours.encode()):
        return name, theirs.encode() + value[len(ours) :]
    return header


def register_rows(database: Path, ids: list[str]) -> None:
    """The ``activities`` rows of ``ids`` as the registration commands would have left them (pending)."""
    now = datetime.now(UTC).isoformat()
    db = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(INSERT, [(i, REGIONS[n % len(REGIONS)], now, now, now, now) for n, i in enumerate(ids)])
        db.execute("COMMIT")
    finally:
        db.close()


async def publish(bus_path: Path, messages: list[Message]) -> None:
    """``messages`` appended to the embedded log, 5,000 to a transaction (as a relay's batches)."""
    async with EmbeddedLog(bus_path) as log:
        for start in range(0, len(messages), 5_000):
            await log.publish(messages[start : start + 5_000])


async def wait_applied(
    deployment: Deployment, topic: str, groups: tuple[str, ...], target: int, started: float, deadline_s: float
) -> dict[str, float]:
    """Poll tracking until each of ``groups`` has applied ``target`` records of ``topic``; the time
    (since ``started``) at which each got there (the deadline's time, with a warning, when it did not)."""
    reached: dict[str, float] = {}
    while len(reached) < len(groups):
        applied = deployment.applied(topic)
        now = time.perf_counter() - started
        for group in groups:
            if group not in reached and applied.get(group, 0) >= target:
                reached[group] = now
        if now > deadline_s:
            print(f"not drained in {deadline_s:.0f} s: {applied} of {target}", file=sys.stderr, flush=True)
            return {g: reached.get(g, now) for g in groups}
        await asyncio.sleep(0.1)
    return reached


class Bench:
    def __init__(self, deployment: Deployment, ids: list[str], files: list[Path], args: argparse.Namespace) -> None:
        self.deployment, self.ids, self.files, self.args = deployment, ids, files, args
        self.sequence = 0
        self.published = 0  # verdicts on the reviews topic so far

    async def burst(self) -> Drain:
        self.sequence += 1
        verdict = activity_approved if self.sequence % 2 else activity_rejected
        messages = self.deployment.messages([verdict(i, self.sequence) for i in self.ids])  # before the clock
        started = time.perf_counter()
        await publish(self.deployment.settings.data_dir / "bus.db", messages)
        published_s = time.perf_counter() - started
        self.published += len(messages)
        caught = await wait_applied(self.deployment, REVIEWS.name, GROUPS, self.published, started, self.args.deadline)
        status = "approved" if verdict is activity_approved else "rejected"
        if (applied := self.deployment.verdicts(status)) != len(self.ids):  # applied, not dead-lettered
            raise RuntimeError(f"{self.deployment.tree.label}: {applied:,} of {len(self.ids):,} activities {status}")
        return Drain(len(messages), published_s, caught)

    async def idle(self) -> Drain:
        return await self.burst()

    async def loaded(self) -> Drain:
        ids_file = self.files[0].with_name("accepted.txt")
        command = [ensure_wrk(), "-t1", f"-c{CONNECTIONS}", "-d600s", "--latency", "--timeout", "10s"]
        command += ["-s", str(LUA), self.deployment.url, "--", *map(str, self.files), REGISTER_PATH, str(ids_file)]
        wrk = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
        try:
            await asyncio.sleep(WARM_UP_S)
            drain = await self.burst()
        finally:
            wrk.send_signal(signal.SIGINT)  # wrk stops and reports on SIGINT
            output, _ = await wrk.communicate()
        line = next((ln for ln in output.decode().splitlines() if ln.startswith("kepuri-bench ")), None)
        if line is not None:
            stats = json.loads(line.removeprefix("kepuri-bench "))
            drain.accepted_per_s = stats["created"] / (stats["duration_us"] / 1e6)
            if stats["failed"]:
                print(f"wrk: {stats['failed']} failed: {stats['statuses']} {stats['first_failure']}", file=sys.stderr)
        return drain


async def measure(
    root: Path, layout: str, args: argparse.Namespace, tree: Tree = SUBJECT
) -> tuple[list[Drain], list[Drain]]:
    """The idle and loaded drains of one layout of ``tree``, interleaved."""
    name = layout if tree is SUBJECT else tree.label
    deployment = Deployment(root / name, layout, args.workers, tree)
    token = deployment.prepare()
    registered = [activity_registered(region_code=REGIONS[i % len(REGIONS)]) for i in range(args.verdicts)]
    ids = [e.subject for e in registered]
    register_rows(deployment.database, ids)
    with deployment.running():
        await publish(deployment.settings.data_dir / "bus.db", deployment.messages(registered))
        started = time.perf_counter()
        await wait_applied(deployment, ACTIVITIES.name, ("registration.directory",), len(ids), started, 900)
        print(f"{name}: {len(ids):,} directory entries built", file=sys.stderr, flush=True)
        tokens = [token, *sign_up_organizers(deployment.url, 7)]
        bodies, tokens_file = deployment.root / "bodies.jsonl", deployment.root / "tokens.txt"
        bodies.write_bytes(b"\n".join(activity_bodies(2000)) + b"\n")
        tokens_file.write_text("\n".join(tokens) + "\n")
        bench = Bench(deployment, ids, [bodies, tokens_file], args)
        idle: list[Drain] = []
        loaded: list[Drain] = []
        for rep in range(args.reps):
            cases = [(idle, bench.idle), (loaded, bench.loaded)]
            for drains, case in reversed(cases) if rep % 2 else cases:
                drains.append(await case())
                d = drains[-1]
                rates = ", ".join(f"{g}: {d.rate(g):,.0f}/s" for g in GROUPS)
                api = f", API {d.accepted_per_s:,.0f} accepted/s" if d.accepted_per_s is not None else ""
                print(f"{name} {case.__name__}: {rates}; lag to zero {d.lag_to_zero_s:.1f} s{api}", file=sys.stderr)
    return idle, loaded


def results(layout: str, idle: list[Drain], loaded: list[Drain], count: int, tree: Tree = SUBJECT) -> list[Result]:
    label = "one process (role all)" if layout == "all" else "api + background roles"
    label = label if tree is SUBJECT else f"{tree.label}, one process"
    out = []
    for group in GROUPS:
        rates = [d.rate(group) for d in loaded]
        out.append(
            Result(
                "review_outcomes_loaded",
                f"{label}: {group}, {count:,} verdicts under a saturated API",
                "events/s",
                rates,
                "the same burst, API idle",
                [d.rate(group) for d in idle],
                target=f"≥ {TARGET:,} events/s",
                met=statistics.median(rates) >= TARGET,
            )
        )
    lags = [d.lag_to_zero_s for d in loaded]
    out.append(
        Result(
            "review_outcomes_loaded",
            f"{label}: view lag back to zero after the burst, API saturated",
            "s",
            lags,
            "API idle",
            [d.lag_to_zero_s for d in idle],
            target=f"≤ {LAG_TARGET_S:.0f} s",
            met=statistics.median(lags) <= LAG_TARGET_S,
        )
    )
    accepted = [d.accepted_per_s for d in loaded if d.accepted_per_s is not None]
    if accepted:
        out.append(Result("review_outcomes_loaded", f"{label}: API accepted/s meanwhile", "requests/s", accepted))
    return out


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    layouts = [name for name in args.layouts.split(",") if name]
    out: list[Result] = []
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="kepuri-bench-"))
        if args.baseline:
            baseline = stack.enter_context(checkout(args.baseline))
            idle, loaded = await measure(Path(scratch), "all", args, baseline)
            out += results("all", idle, loaded, args.verdicts, baseline)
            notes.append(
                f"{args.baseline}: checked out into a temporary worktree, its own services.registration (one "
                "process) on a database its own code prepared, the same events with its dataschema."
            )
        for layout in layouts:
            if layout == "roles" and not roles_available():
                notes.append("roles: not measured, this tree has no process roles (RegistrationSettings.role)")
                continue
            idle, loaded = await measure(Path(scratch), layout, args)
            out += results(layout, idle, loaded, args.verdicts)
    return out, notes


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=2,
        quick_reps=1,
        extra=[
            (
                "--verdicts",
                {"type": int, "default": 0, "help": "activities and verdicts per burst (150,000; quick 20,000)"},
            ),
            ("--workers", {"type": int, "default": os.cpu_count() or 1, "help": "API workers with --role api"}),
            ("--layouts", {"default": "all,roles", "help": "all (one process), roles (api + background)"}),
            ("--deadline", {"type": float, "default": 600.0, "help": "seconds a burst may take to drain"}),
            (
                "--baseline",
                {"default": "", "help": f"also measure this commit's service first, e.g. {BASELINE_COMMIT}"},
            ),
        ],
    )
    args.verdicts = args.verdicts or (20_000 if args.quick else 150_000)
    results_, notes = asyncio.run(main_async(args))
    report("Registration's review-outcome consumers under a saturated API", results_, args, notes)


if __name__ == "__main__":
    main()
