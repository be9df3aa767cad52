"""Analytics: live lag from the bus into the views, and the statistics API under 50 dashboard viewers.

**Live lag** (``--part lag``). The analytics service runs as an OS process as ``kepuri up`` runs it
(``python -m services.analytics``: embedded log, SQLite, its three projections), on a fresh data
directory per run whose topics have ONE partition, so that the view applies the events in the order
they were published. This process publishes varied ``activity-registered`` events
(``bench.analytics_data``: every county, categories, themes, audiences, formats) on the same
embedded log, open loop at ``--rate`` (default 2,000/s) for ``--seconds`` (20 s; quick 10 s): each
turn of the loop publishes, in one ``publish`` call, the events whose time has come, and an event's
publish time is the start of that call (so the log's own commit counts in the lag). An observer
process reads the service's database read-only every ``--poll-ms`` (5 ms) — ``SELECT count(*) FROM
activity_facts``, no HTTP; only registrations are published, so every row is a registered activity
— and the k-th event counts as visible at the first read showing k rows more than before the
window. After the window the run checks that ``count(*) … WHERE version > 0`` equals every event
published (warm-up included): nothing lost, nothing counted twice.

Baseline, same run, interleaved (service, bare; then bare, service): a bare subscriber in its own
process (``shared.bus`` subscription on a fresh log, batches of the runtime's size, offsets
committed after each batch, no projection) timing publish → receive for the same events on the
same schedule.

**Dashboard API** (``--part api``, :mod:`bench.analytics_api`): see that module.

With ``--tree PATH`` (a worktree of an earlier commit, e.g. main f0b11fe) the service of that tree
runs too, interleaved with this tree's, on the same schedule (lag) and the same activities (api:
published on its log and built into its views by its own consumers), each as its own OS process
(:mod:`bench.analytics_tree`); the tables then show this tree's p99 beside that tree's.

    python -m bench.analytics [--quick] [--part lag,api] [--rate 2000] [--seconds 20] [--poll-ms 5]
                              [--activities 100000] [--api-seconds 5] [--connections 50] [--tree PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import uvloop

from harness.measure import percentile
from shared.bus import Message, TopicPartition, TopicSpec
from shared.bus.factory import bus_from_url
from shared.events import to_message
from shared.events.topics import ACTIVITIES, ALL_TOPICS

from .analytics_api import api_part
from .analytics_data import Activities
from .analytics_tree import portable, service_from, start, tree_name, tree_option
from .common import Result, cli, cpu_seconds, report

TARGET_P99_MS = 100.0
WARM = 500  # events published and awaited before each window
BATCH = 2000  # ConsumerRuntime's default batch size
COUNT = "SELECT count(*) FROM activity_facts"
REGISTERED = "SELECT count(*) FROM activity_facts WHERE version > 0"


@dataclass
class Window:
    """One run of the schedule against the service or the bare subscriber."""

    case: str
    sent_at: list[float] = field(default_factory=list)
    lateness_ms: list[float] = field(default_factory=list)
    seen: list[tuple[float, int]] = field(default_factory=list)  # (time, events past the warm-up)
    achieved: float = 0.0
    visible_ms: list[float] = field(default_factory=list)
    unseen: int = 0
    final: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def attribute(self) -> None:
        """Lag of each event: the first time the count reached its place in publish order, less its
        publish time."""
        steps = iter(sorted(self.seen))
        at, count = 0.0, 0
        for k, sent in enumerate(self.sent_at, start=1):
            while count < k:
                step = next(steps, None)
                if step is None:
                    self.unseen = len(self.sent_at) - k + 1
                    return
                at, count = step
            self.visible_ms.append(max(0.0, at - sent) * 1000)


def read_count(path: Path, query: str = COUNT) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return int(db.execute(query).fetchone()[0])
    finally:
        db.close()


def observe(path: str, before: int, total: int, interval_s: float, out: Connection, stop: EventType) -> None:
    """Observer process: read the view's row count every ``interval_s`` until ``total`` more rows than
    ``before`` show (or ``stop``); sends "ready", then each change as (time, rows past ``before``).

    ``time.perf_counter`` is the system-wide monotonic clock on Linux, comparable across processes.
    """
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    seen: list[tuple[float, int]] = []
    last = -1
    out.send("ready")
    while not stop.is_set():
        began = time.perf_counter()
        count = int(db.execute(COUNT).fetchone()[0]) - before
        if count != last:
            seen.append((time.perf_counter(), count))
            last = count
        if count >= total:
            break
        time.sleep(max(0.0, interval_s - (time.perf_counter() - began)))
    db.close()
    out.send(seen)


def subscribe_bare(bus_url: str, warm: int, total: int, out: Connection, stop: EventType) -> None:
    """Bare subscriber process: poll the activities topic, commit after each batch, nothing applied;
    sends "ready" once the warm-up events arrived, then each batch as (time, events past the warm-up)."""

    async def run() -> list[tuple[float, int]]:
        seen: list[tuple[float, int]] = []
        async with (
            bus_from_url(bus_url, default_partitions=1) as bus,
            bus.subscribe("bench.bare", [ACTIVITIES.name]) as sub,
        ):
            received, ready = 0, False
            while not stop.is_set() and received < warm + total:
                records = await sub.poll(BATCH, 100)
                if not records:
                    continue
                arrived = time.perf_counter()
                received += len(records)
                if received > warm:
                    seen.append((arrived, received - warm))
                if not ready and received >= warm:
                    out.send("ready")
                    ready = True
                last = records[-1]
                await sub.commit({TopicPartition(last.topic, last.partition): last.offset + 1})
        return seen

    out.send(uvloop.run(run()))


async def publish_schedule(bus_url: str, messages: list[Message], rate: float, window: Window) -> None:
    """Publish ``messages`` open loop at ``rate``: each turn, every message now due in one call."""
    async with bus_from_url(bus_url, default_partitions=1) as bus:
        await bus.ping()
        n = len(messages)
        window.sent_at = [0.0] * n
        began = time.perf_counter()
        sent = 0
        while sent < n:
            now = time.perf_counter()
            due = min(n, int((now - began) * rate) + 1)
            if due <= sent:
                await asyncio.sleep(began + sent / rate - now)
                continue
            await bus.publish(messages[sent:due])
            for j in range(sent, due):
                window.sent_at[j] = now
                window.lateness_ms.append(max(0.0, now - (began + j / rate)) * 1000)
            sent = due
        window.achieved = n / (time.perf_counter() - began)


async def prepare_bus(bus_url: str) -> None:
    """A fresh embedded log whose topics have one partition each."""
    async with bus_from_url(bus_url, default_partitions=1) as bus:
        await bus.ensure_topics([TopicSpec(t.name, 1) for t in ALL_TOPICS])


async def wait_for(condition, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout_s:g} s")
        await asyncio.sleep(0.02)


class LagBench:
    def __init__(self, root: Path, args: argparse.Namespace) -> None:
        self.root, self.args = root, args
        self.runs = 0
        activities = Activities(seed=7)
        total = WARM + int(args.rate * args.seconds)
        self.messages = [
            to_message(portable(e), ACTIVITIES.name) for e in (activities.registered(i) for i in range(total))
        ]
        self.warm, self.load = self.messages[:WARM], self.messages[WARM:]
        self.context = multiprocessing.get_context("spawn")

    def _fresh(self, case: str) -> tuple[Path, str]:
        self.runs += 1
        data = self.root / f"{self.runs:02d}-{case}"
        data.mkdir()
        return data, f"embedded:{data / 'bus.db'}"

    async def _window(self, case: str, bus_url: str, target, args: tuple, pids: dict[str, int]) -> Window:  # type: ignore[no-untyped-def]
        """Start the watcher (observer or bare subscriber), run the schedule, collect what it saw."""
        window = Window(case)
        results, child = self.context.Pipe(duplex=False)
        stop = self.context.Event()
        watcher = self.context.Process(target=target, args=(*args, child, stop))
        watcher.start()
        try:
            if case == "bare":
                async with bus_from_url(bus_url, default_partitions=1) as bus:
                    await bus.publish(self.warm)
            if not await asyncio.to_thread(results.poll, 60):
                raise RuntimeError(f"{case}: the watcher did not get ready")
            results.recv()
            assert watcher.pid is not None
            pids = {**pids, "publisher (this process)": os.getpid(), "watcher": watcher.pid}
            cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
            began = time.perf_counter()
            await publish_schedule(bus_url, self.load, self.args.rate, window)
            if not await asyncio.to_thread(results.poll, 60):
                stop.set()
                await asyncio.to_thread(results.poll, 10)
            window.elapsed_s = time.perf_counter() - began
            window.cpu_s = {name: cpu_seconds(pid) - cpu[name] for name, pid in pids.items()}
            window.seen = results.recv()
        finally:
            stop.set()
            watcher.join(10)
            if watcher.is_alive():
                watcher.kill()
        window.attribute()
        return window

    async def service(self) -> Window:
        return await self._service("service", None)

    async def tree_service(self) -> Window:
        return await self._service("tree", self.args.tree)

    async def _service(self, case: str, tree: Path | None) -> Window:
        data, bus_url = self._fresh(case)
        await prepare_bus(bus_url)
        service = service_from(tree, "analytics", data, bus_url, log_level="WARNING", topic_partitions="1")
        database = data / "analytics.db"
        start(service, tree)
        try:
            async with bus_from_url(bus_url, default_partitions=1) as bus:
                await bus.publish(self.warm)
            await wait_for(lambda: read_count(database) >= WARM, 60, "the warm-up events showing in the view")
            before = read_count(database)
            assert service.process is not None
            args = (str(database), before, len(self.load), self.args.poll_ms / 1000)
            window = await self._window(case, bus_url, observe, args, {"analytics": service.process.pid})
            window.final = read_count(database, REGISTERED)
        finally:
            service.stop()
        return window

    async def bare(self) -> Window:
        _data, bus_url = self._fresh("bare")
        await prepare_bus(bus_url)
        window = await self._window("bare", bus_url, subscribe_bare, (bus_url, WARM, len(self.load)), {})
        window.final = WARM + (window.seen[-1][1] if window.seen else 0)
        return window

    async def run(self) -> tuple[list[Result], list[str]]:
        runs: dict[str, list[Window]] = {"service": [], "bare": [], "tree": []}
        cases = [self.service, self.bare] + ([self.tree_service] if self.args.tree else [])
        for rep in range(self.args.reps):
            for case in cases if rep % 2 == 0 else cases[::-1]:
                window = await case()
                runs[window.case].append(window)
                print(_line(window), file=sys.stderr, flush=True)
        results = self.results(runs["service"], runs["bare"])
        if runs["tree"]:
            name = tree_name(self.args.tree)
            results.append(
                Result(
                    "analytics",
                    f"publish → counted in activity_facts p99 at {self.args.rate:,.0f}/s: this tree",
                    "ms",
                    [percentile(w.visible_ms, 99) for w in runs["service"]],
                    f"{name} tree's service p99",
                    [percentile(w.visible_ms, 99) for w in runs["tree"]],
                )
            )
        return results, self.notes(runs["service"], runs["bare"])

    def results(self, service: list[Window], bare: list[Window]) -> list[Result]:
        rate = f"{self.args.rate:,.0f}/s"
        p99 = [percentile(w.visible_ms, 99) for w in service]
        sustained = statistics.median(w.achieved for w in service) >= 0.95 * self.args.rate
        lost = sum(w.unseen + abs(w.final - WARM - len(self.load)) for w in service)
        return [
            Result(
                "analytics",
                f"publish rate achieved ({rate} offered)",
                "events/s",
                [w.achieved for w in service],
                "bare run",
                [w.achieved for w in bare],
            ),
            Result(
                "analytics",
                f"publish → counted in activity_facts p50 at {rate}",
                "ms",
                [percentile(w.visible_ms, 50) for w in service],
                "bare subscriber publish → receive p50",
                [percentile(w.visible_ms, 50) for w in bare],
            ),
            Result(
                "analytics",
                f"publish → counted in activity_facts p99 at {rate}",
                "ms",
                p99,
                "bare subscriber publish → receive p99",
                [percentile(w.visible_ms, 99) for w in bare],
                target=f"≤ 100 ms at {rate}, nothing lost",
                met=statistics.median(p99) <= TARGET_P99_MS and sustained and not lost,
            ),
            Result(
                "analytics",
                f"publish → counted max at {rate}",
                "ms",
                [max(w.visible_ms) for w in service],
                "bare max",
                [max(w.visible_ms) for w in bare],
            ),
        ]

    def notes(self, service: list[Window], bare: list[Window]) -> list[str]:
        expected = WARM + len(self.load)
        finals = ", ".join(f"{w.final:,}" for w in service)
        cpu = {n: statistics.median(w.cpu_s[n] / w.elapsed_s for w in service) for n in service[0].cpu_s}
        cpu_text = ", ".join(f"{n} {share:.2f}" for n, share in sorted(cpu.items(), key=lambda kv: -kv[1]))
        lateness = statistics.median(percentile(w.lateness_ms, 99) for w in service + bare)
        return [
            f"Live lag: the analytics service as an OS process (embedded log, SQLite, topics of one partition), "
            f"{len(self.load):,} varied activity-registered events per window at {self.args.rate:,.0f}/s offered "
            f"({self.args.seconds:g} s) after {WARM} warm-up events; the view's row count read every "
            f"{self.args.poll_ms:g} ms by an observer process. Registered activities in the view after each "
            f"service window (SELECT count(*) … WHERE version > 0): {finals} of {expected:,} published; events "
            f"never seen: {sum(w.unseen for w in service)} (service), {sum(w.unseen for w in bare)} (bare). "
            f"Publisher lateness against its schedule, p99: {lateness:.1f} ms. Cores busy during a service "
            f"window: {cpu_text}.",
        ]


def _line(w: Window) -> str:
    return (
        f"{w.case}: {w.achieved:,.0f}/s published, lag p50 {percentile(w.visible_ms, 50):.1f} ms "
        f"p99 {percentile(w.visible_ms, 99):.1f} ms max {max(w.visible_ms, default=0):.1f} ms, "
        f"unseen {w.unseen}, final {w.final:,}"
    )


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    results: list[Result] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kepuri-analytics-") as scratch:
        root = Path(scratch)
        if "lag" in args.part:
            got, said = await LagBench(root, args).run()
            results, notes = results + got, notes + said
        if "api" in args.part:
            got, said = await api_part(root / "api", args)
            results, notes = results + got, notes + said
    return results, notes


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=2,
        quick_reps=1,
        extra=[
            ("--part", {"default": "lag,api", "help": "which parts: lag, api or both (default lag,api)"}),
            ("--rate", {"type": float, "default": 2000.0, "help": "events published per second (default 2000)"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a lag window (20 s; quick 10 s)"}),
            ("--poll-ms", {"type": float, "default": 5.0, "help": "how often the view is read (default 5)"}),
            (
                "--activities",
                {"type": int, "default": 0, "help": "activities loaded for the API (100000; quick 20000)"},
            ),
            ("--api-seconds", {"type": float, "default": 0.0, "help": "length of a wrk run (8 s; quick 3 s)"}),
            ("--connections", {"type": int, "default": 50, "help": "wrk's connections: viewers (default 50)"}),
            tree_option(),
        ],
    )
    args.part = set(args.part.split(","))
    args.tree = args.tree.resolve() if args.tree else None
    args.seconds = args.seconds or (10.0 if args.quick else 20.0)
    args.activities = args.activities or (20_000 if args.quick else 100_000)
    args.api_seconds = args.api_seconds or (3.0 if args.quick else 8.0)
    results, notes = uvloop.run(main_async(args))
    report("Analytics: live lag and dashboard API", results, args, notes)


if __name__ == "__main__":
    main()
