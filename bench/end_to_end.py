"""End to end: from ``POST /api/v1/activities`` to the analytics overview counting it.

Registration and analytics run as OS processes (``harness.processes.ServiceProcess``) on the
embedded log, then again on Kafka (tansu). Before registration starts, its database gets an open
campaign and an organizer (``harness.factories.prepare_registration``); every POST carries that
organizer's bearer token and one of 5,000 complete, varied bodies (``bench.workload``). This process
is the load generator: an open-loop schedule of POSTs at a fixed rate over an ``httpx.AsyncClient``
pool (HTTP/1.1 keep-alive), while a separate task and client read ``GET /api/v1/stats/overview``
every 5 ms. The k-th successful POST, in the order they were sent, counts as visible at the first
poll whose answer shows k more activities than before the window (the answer's arrival time, so a
poll's own round trip is included).

Per backend: a probe window at the target rate (default 1,000/s); if the platform and this single
load generator do not sustain it (achieved < 95 % of offered), shorter probes step down to the highest
rate that is sustained. Then ``--reps`` windows of ``--seconds`` at the last rate probed. The baseline,
measured before each window on the idle platform: the round trip of ``GET /api/v1/stats/overview``
alone. Also reported: errors, how late the generator sent against its schedule, and the CPU each
process used during the load, which shows where the two cores went.

    python -m bench.end_to_end [--quick] [--rate 1000] [--seconds 20] [--pool 16] [--poll-ms 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import httpx
import uvloop

from harness.factories import prepare_registration
from harness.measure import percentile
from harness.processes import ServiceProcess
from harness.tansu import TansuBroker
from services.registration.settings import RegistrationSettings

from .common import Result, cli, cpu_seconds, report
from .workload import activity_bodies

if importlib.util.find_spec("sniffio") is None:
    # httpcore imports sniffio for every lock it creates (several per request); without the package that
    # is a failed import each time, a walk of sys.path costing about 0.1 ms. Fail it once, from the cache.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

PROBE_S = 5.0
TARGET_P99_MS = 100.0
SUSTAINED = 0.95  # an achieved rate at least this share of the offered one counts as sustained
LADDER = (1000, 750, 600, 500, 400, 300, 250, 200, 150, 100, 50)
BODIES = 5_000  # different registrations, sent in turn


@dataclass
class Request:
    sent: float
    done: float = 0.0
    ok: bool = False


@dataclass
class Window:
    """One stretch of open-loop load at one offered rate, and what was seen during it."""

    offered: float
    seconds: float
    get_rtt_ms: list[float]
    requests: list[Request] = field(default_factory=list)
    polls: list[tuple[float, int]] = field(default_factory=list)
    poll_rtt_ms: list[float] = field(default_factory=list)
    poll_errors: int = 0
    lateness_ms: list[float] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0
    visible_ms: list[float] = field(default_factory=list)
    unseen: int = 0

    @property
    def ok(self) -> list[Request]:
        return [r for r in self.requests if r.ok]

    @property
    def errors(self) -> int:
        return len(self.requests) - len(self.ok)

    @property
    def achieved(self) -> float:
        """Successful POSTs per second, from the first sent to the last answered."""
        ok = self.ok
        if len(ok) < 2:
            return 0.0
        return len(ok) / (max(r.done for r in ok) - min(r.sent for r in ok))

    @property
    def sustained(self) -> bool:
        return self.achieved >= SUSTAINED * self.offered and not self.errors

    def post_ms(self) -> list[float]:
        return [(r.done - r.sent) * 1000 for r in self.ok]

    def attribute(self, before: int) -> None:
        """POST-to-visible of each successful POST, giving the count's increments out in send order."""
        ok = sorted(self.ok, key=lambda r: r.sent)
        polls = iter(sorted(self.polls))
        at, count = 0.0, before
        for k, request in enumerate(ok, start=1):
            while count - before < k:
                step = next(polls, None)
                if step is None:
                    self.unseen = len(ok) - k + 1
                    return
                at, count = step
            self.visible_ms.append(max(0.0, at - request.sent) * 1000)


async def overview_total(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/v1/stats/overview")
    response.raise_for_status()
    return int(response.json()["total"])


async def wait_for_total(client: httpx.AsyncClient, at_least: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (total := await overview_total(client)) < at_least:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the overview shows {total}, expected {at_least} within {timeout_s} s")
        await asyncio.sleep(0.05)
    return total


class Platform:
    """Registration and analytics as OS processes on one bus, with the pids whose CPU is counted."""

    def __init__(self, data_dir: Path, bus_url: str, extra_pids: dict[str, int]) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.registration = ServiceProcess("registration", data_dir, bus_url, log_level="WARNING")
        self.analytics = ServiceProcess("analytics", data_dir, bus_url, log_level="WARNING")
        self.extra_pids = extra_pids
        self.settings = RegistrationSettings(data_dir=data_dir, bus_url=bus_url, environment="test")
        self.headers: dict[str, str] = {}
        self.bodies = activity_bodies(BODIES)

    async def post(self, client: httpx.AsyncClient, i: int) -> httpx.Response:
        """Register the ``i``-th of the varied bodies as the organizer."""
        headers = {**self.headers, "Content-Type": "application/json"}
        return await client.post("/api/v1/activities", content=self.bodies[i % len(self.bodies)], headers=headers)

    def pids(self) -> dict[str, int]:
        pids = {"load generator": os.getpid(), **self.extra_pids}
        for service in (self.registration, self.analytics):
            assert service.process is not None
            pids[service.name] = service.process.pid
        return pids

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Platform]:
        self.headers = await prepare_registration(self.settings)
        try:
            self.registration.start()
            self.analytics.start()
            yield self
        finally:
            for service in (self.registration, self.analytics):
                with contextlib.suppress(Exception):
                    service.stop()


def poll_overview(url: str, interval_s: float, ready: Connection, stop: EventType) -> None:
    """The observer, in a process of its own so that the load generator's busy loop does not delay it:
    200 round trips of the overview on the idle platform (the baseline), then one every ``interval_s``
    until ``stop``; sends back the baseline, then the polls as (arrival time, total) and their round trips.

    ``time.perf_counter`` is the system's monotonic clock on Linux, so its readings compare with the
    load generator's.
    """
    polls: list[tuple[float, int]] = []
    round_trips: list[float] = []
    errors = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        baseline = []
        for _ in range(200):
            started = time.perf_counter()
            client.get("/api/v1/stats/overview").raise_for_status()
            baseline.append((time.perf_counter() - started) * 1000)
        ready.send(baseline)
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = client.get("/api/v1/stats/overview")
                response.raise_for_status()
            except httpx.HTTPError:
                errors += 1
                continue
            arrived = time.perf_counter()
            polls.append((arrived, int(response.json()["total"])))
            round_trips.append((arrived - started) * 1000)
            time.sleep(max(0.0, interval_s - (arrived - started)))
    ready.send((polls, round_trips, errors))


async def load_window(platform: Platform, offered: float, seconds: float, args: argparse.Namespace) -> Window:
    """Warm up, then offer ``offered`` POSTs/s for ``seconds`` while the observer polls the overview, and
    wait until every successful POST is visible there."""
    pool, interval_s = args.pool, args.poll_ms / 1000
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    async with (
        httpx.AsyncClient(base_url=platform.registration.url, limits=limits, timeout=60) as posts,
        httpx.AsyncClient(base_url=platform.analytics.url, timeout=60) as reads,
    ):
        # warm up: connections open, the analytics consumer has joined its group and caught up
        before = await overview_total(reads)
        warm = await asyncio.gather(*(platform.post(posts, i) for i in range(pool)))
        if bad := [r.text for r in warm if r.status_code != 201]:
            raise RuntimeError(f"a warm-up POST failed: {bad[0]}")
        before = await wait_for_total(reads, before + len(warm), timeout_s=60)

        context = multiprocessing.get_context("spawn")
        results, child_end = context.Pipe(duplex=False)
        stop = context.Event()
        observer = context.Process(target=poll_overview, args=(platform.analytics.url, interval_s, child_end, stop))
        observer.start()
        baseline = await asyncio.to_thread(results.recv)
        window = Window(offered, seconds, baseline)
        # httpcore's pool does work for every queued request whenever a connection frees up; queueing
        # here instead, FIFO, keeps the generator's CPU per request flat under overload
        in_flight = asyncio.Semaphore(pool)

        async def post(i: int) -> None:
            request = Request(time.perf_counter())
            window.requests.append(request)
            try:
                async with in_flight:
                    response = await platform.post(posts, i)
                request.ok = response.status_code == 201
            except httpx.HTTPError:
                request.ok = False
            request.done = time.perf_counter()

        assert observer.pid is not None
        pids = {**platform.pids(), "observer": observer.pid}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        began = time.perf_counter()
        tasks = []
        for i in range(int(offered * seconds)):
            due = began + i / offered
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            window.lateness_ms.append(max(0.0, time.perf_counter() - due) * 1000)
            tasks.append(asyncio.create_task(post(i)))
        await asyncio.gather(*tasks)
        with contextlib.suppress(RuntimeError):  # a window whose POSTs never all show counts them as unseen
            await wait_for_total(reads, before + len(window.ok), timeout_s=60)
        await asyncio.sleep(2 * interval_s)  # the observer's next poll sees it too
        window.cpu_s = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        window.elapsed_s = time.perf_counter() - began
        stop.set()
        window.polls, window.poll_rtt_ms, window.poll_errors = await asyncio.to_thread(results.recv)
        observer.join()
        window.attribute(before)
    return window


def next_rate(offered: float, achieved: float) -> float:
    """The next rate to probe: the highest step of the ladder below both ``offered`` and 90 % of what
    was achieved."""
    for step in LADDER:
        if step < offered and step <= 0.9 * achieved:
            return float(step)
    return float(LADDER[-1])


@dataclass
class Stage:
    """The windows at one offered rate on one backend."""

    backend: str
    offered: float
    windows: list[Window]
    probe: bool

    @property
    def sustained(self) -> bool:
        return statistics.median(w.achieved for w in self.windows) >= SUSTAINED * self.offered and not sum(
            w.errors for w in self.windows
        )

    def results(self, target_rate: float) -> list[Result]:
        kind = "probe" if self.probe else "measured"
        name = f"{self.backend} {self.offered:,.0f}/s offered ({kind})"
        ws = self.windows
        visible_p99 = [percentile(w.visible_ms, 99) for w in ws]
        at_target = self.offered >= target_rate
        met = statistics.median(visible_p99) <= TARGET_P99_MS and self.sustained
        return [
            Result("end to end", f"{name}: achieved", "requests/s", [w.achieved for w in ws]),
            Result("end to end", f"{name}: POST p50", "ms", [percentile(w.post_ms(), 50) for w in ws]),
            Result("end to end", f"{name}: POST p99", "ms", [percentile(w.post_ms(), 99) for w in ws]),
            Result(
                "end to end",
                f"{name}: POST → visible p50",
                "ms",
                [percentile(w.visible_ms, 50) for w in ws],
                "GET overview p50, idle",
                [percentile(w.get_rtt_ms, 50) for w in ws],
            ),
            Result(
                "end to end",
                f"{name}: POST → visible p99",
                "ms",
                visible_p99,
                "GET overview p99, idle",
                [percentile(w.get_rtt_ms, 99) for w in ws],
                target=f"≤ 100 ms at {target_rate:,.0f}/s" if at_target else "",
                met=met if at_target else None,
            ),
        ]

    def note(self) -> str:
        ws = self.windows
        sent = sum(len(w.requests) for w in ws)
        errors = sum(w.errors for w in ws)
        unseen = sum(w.unseen for w in ws)
        lateness = statistics.median(percentile(w.lateness_ms, 99) for w in ws)
        poll_rtt = statistics.median(percentile(w.poll_rtt_ms, 50) for w in ws)
        seconds = statistics.median(w.seconds for w in ws)
        cpu = {name: statistics.median(w.cpu_s[name] / w.elapsed_s for w in ws) for name in ws[0].cpu_s}
        cpu_text = ", ".join(f"{name} {share:.2f}" for name, share in sorted(cpu.items(), key=lambda kv: -kv[1]))
        return (
            f"{self.backend}, {self.offered:,.0f}/s offered for {seconds:.0f} s × {len(ws)}: "
            f"{'sustained' if self.sustained else '**not sustained**'}; {sent:,} POSTs, {errors} errors, "
            f"{unseen} never seen in the overview; generator lateness p99 {lateness:.1f} ms; GET round trip "
            f"under load p50 {poll_rtt:.1f} ms; cores busy from the first POST until all were visible: {cpu_text}."
        )


async def run_backend(backend: str, platform: Platform, args: argparse.Namespace) -> list[Stage]:
    stages = []
    async with platform.running():
        offered = args.rate
        if not args.quick:
            while True:
                probe = Stage(backend, offered, [await load_window(platform, offered, PROBE_S, args)], True)
                stages.append(probe)
                if probe.sustained or offered <= LADDER[-1]:
                    break
                offered = next_rate(offered, probe.windows[0].achieved)
        windows = [await load_window(platform, offered, args.seconds, args) for _ in range(args.reps)]
        stages.append(Stage(backend, offered, windows, False))
    return stages


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    stages: list[Stage] = []
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        root = Path(scratch)
        embedded = Platform(root / "embedded", f"embedded:{root / 'embedded' / 'bus.db'}", {})
        stages += await run_backend("embedded log", embedded, args)
        with TansuBroker(log_dir=root) as broker:
            assert broker._process is not None
            kafka = Platform(root / "kafka", f"kafka://{broker.bootstrap}", {"tansu": broker._process.pid})
            stages += await run_backend("Kafka (tansu)", kafka, args)
    notes = [s.note() for s in stages]
    notes.append(
        f"Open loop over an httpx pool of {args.pool} connections, the overview polled every "
        f"{args.poll_ms:g} ms; probes last {PROBE_S:.0f} s. One machine runs the load generator, "
        "both services and, for Kafka, the broker."
    )
    return [r for s in stages for r in s.results(args.rate)], notes


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--rate", {"type": float, "default": 1000.0, "help": "target POSTs per second (default 1000)"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "length of a measured window (20 s; quick 2 s)"}),
            ("--pool", {"type": int, "default": 16, "help": "POSTs in flight at most (default 16)"}),
            ("--poll-ms", {"type": float, "default": 5.0, "help": "how often the overview is read (default 5)"}),
        ],
    )
    args.seconds = args.seconds or (2.0 if args.quick else 20.0)
    # uvloop comes with uvicorn[standard]; the leaner loop leaves more of the two cores to the services
    results, notes = uvloop.run(main_async(args))
    report("End to end", results, args, notes)


if __name__ == "__main__":
    main()
