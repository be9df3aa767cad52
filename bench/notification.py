"""Notification fan-out: thank-you SMS sent per second by one instance, against a raw HTTP client.

The subject is the real notification service as an OS process (``python -m services.notification``
through ``harness.processes.ServiceProcess``: SQLite ledger, embedded log, uvloop) sending through
``HttpSms`` to the stand-in SMS provider, an OS process of its own (``python -m
services.notification.standin``: no failures, no receipt delay; receipts go to the service only with
``--receipts``). The SMS rate limit is off (``KEPURI_NOTIFICATION_SMS_RATE_PER_S=0``), and so are
quiet hours. Each repetition starts both afresh and publishes on the bus a campaign and, per
activity, ``activity-registered`` and ``science-workers-listed`` (``--per-activity`` workers, on the
restricted topic); once the service holds every worker it publishes the activities' ``info-completed``
and starts the clock. The planner reserves one ledger row per worker; the dispatcher claims batches,
sends them concurrently and records the outcomes with their ``notification-sent`` events. Timed until
the stand-in's ``/v1/stats`` counts ``--count`` accepted (the sends/s), until the ledger holds every
row (reservation) and until it records every row sent. Then checked, or the run fails: the stand-in
holds exactly ``--count`` handsets with one message each, and the ledger ``--count`` rows, all sent or
delivered, to distinct recipients with distinct provider ids.

The baseline, interleaved in the same run (A B, then B A …): a fresh stand-in hammered from this
process by a raw ``httpx.AsyncClient`` with HttpSms's connection limit and the dispatcher's
concurrency, sending the same messages in signed batch requests of HttpSms's batch size (same body
shape and text) as fast as it answers, or for ``--seconds`` if that ends first. Both start cold (a new client, as the service's) and run under
uvloop with the same httpx. The time for 1,000,000 thank-yous is extrapolated from each run's rate.

    python -m bench.notification [--quick] [--count 60000] [--per-activity 2000] [--seconds 60] [--receipts]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvloop

from harness.events import envelope, message
from harness.launcher import launch, stop_all, wait_healthy
from harness.ports import free_port
from harness.processes import ServiceProcess
from services.notification.channels.signing import signed_headers
from services.notification.channels.sms import BATCH_PATH, DEV_KEY_ID, DEV_SECRET, SmsSettings
from services.notification.service.dispatcher import Dispatcher
from services.notification.templates.engine import Templates
from shared.bus import Message, TopicSpec, bus_from_url
from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.restricted import ScienceWorkerContact, ScienceWorkersListed
from shared.events.topics import ALL_TOPICS

from .common import Result, cli, cpu_seconds, interleaved, rate, report, settle_heap

DISPATCHER = inspect.signature(Dispatcher.__init__).parameters
CONCURRENCY: int = DISPATCHER["concurrency"].default
BATCH: int = DISPATCHER["batch"].default
ROUNDS: int = DISPATCHER["rounds"].default
CONNECTIONS: int = SmsSettings.model_fields["max_connections"].default
SIGN: str = SmsSettings.model_fields["default_sign"].default
PER_REQUEST: int = SmsSettings.model_fields["batch_size"].default
TARGET_RATE, TARGET_SHARE, MILLION, POLL_S = 2_000.0, 0.50, 1_000_000, 0.02
ORGANIZER = "渭南市科学技术协会"
TITLE = "2026年全国科普日"
# quiet hours and the SMS rate limit off (0 or less: unlimited), as the target is a rate
SETTINGS = {"notification_quiet_hours": "", "notification_sms_rate_per_s": "0", "log_level": "WARNING"}


@contextmanager
def standin(root: Path, port: int, receipts_url: str | None) -> Iterator[int]:
    """A fresh stand-in provider on ``port`` (no failures, no delay); its pid."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_SMS_STANDIN_")}
    env |= {"KEPURI_SMS_STANDIN_PORT": str(port), "KEPURI_SMS_STANDIN_FAILURES": "none"}
    env |= {"KEPURI_SMS_STANDIN_RECEIPT_DELAY_S": "0", "KEPURI_SMS_STANDIN_LOG_LEVEL": "WARNING"}
    if receipts_url:
        env["KEPURI_SMS_STANDIN_RECEIPTS_URL"] = receipts_url
    log = root / f"standin-{port}.log"
    process = launch([sys.executable, "-m", "services.notification.standin"], env, log)
    try:
        if wait_healthy({"stand-in": f"http://127.0.0.1:{port}/healthz"}, {"stand-in": process}, timeout=30):
            raise RuntimeError(f"the stand-in did not start:\n{log.read_text(errors='replace')}")
        yield process.pid
    finally:
        stop_all({"stand-in": process}, grace=10)


def scalar(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


@dataclass
class Run:
    """One timed fan-out (or raw hammering) and what the processes did meanwhile."""

    seconds: float
    count: int
    cpu: dict[str, float]
    load: float
    reserved_s: float = 0.0
    first_send_s: float = 0.0
    recorded_s: float = 0.0
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return rate(self.count, self.seconds)


class Bench:
    def __init__(self, root: Path, args: argparse.Namespace) -> None:
        self.root = root
        self.args = args
        self.count: int = args.count
        self.raw_runs: list[Run] = []
        self.runs: list[Run] = []
        context = {"worker_name": "科学家", "organizer_name": ORGANIZER, "activity_name": "走进科技馆"}
        context["campaign_title"] = TITLE
        self.text = Templates().render("thank_you", "sms", None, context).text

    async def raw(self) -> float:
        """The baseline: ``--count`` signed sends (fewer if ``--seconds`` run out first) straight to a
        fresh stand-in, ``CONCURRENCY`` at a time, from a cold client as the service's is."""
        port, tag = free_port(), uuid.uuid4().hex[:8]
        items = [
            {"to": f"138{i:08d}", "text": self.text, "sign": SIGN, "client_ref": f"{tag}-{i}"}
            for i in range(self.count)
        ]
        bodies = [orjson.dumps({"messages": items[i : i + PER_REQUEST]}) for i in range(0, self.count, PER_REQUEST)]
        with standin(self.root, port, None) as standin_pid:
            limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10) as client:
                todo, answered, refused = iter(bodies), [0], []

                async def sender() -> None:
                    for body in todo:
                        headers = signed_headers(DEV_KEY_ID, DEV_SECRET, "POST", BATCH_PATH, body)
                        headers["Content-Type"] = "application/json"
                        response = await client.post(BATCH_PATH, content=body, headers=headers)
                        results = orjson.loads(response.content).get("results") or []
                        refused.extend(r for r in results if not r.get("message_id"))
                        answered[0] += len(results) if response.status_code == 200 else 0
                        if time.perf_counter() > stop_at:
                            return

                pids = {"stand-in": standin_pid, "client (this process)": os.getpid()}
                load, before = os.getloadavg()[0], {name: cpu_seconds(pid) for name, pid in pids.items()}
                settle_heap()
                started = time.perf_counter()
                stop_at = started + self.args.seconds
                await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
                elapsed = time.perf_counter() - started
                cpu = {name: (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}
                stats = (await client.get("/v1/stats")).json()
        sent = answered[0]
        if refused or stats.get("accepted") != sent or stats.get("handsets") != sent:
            raise RuntimeError(f"raw client: {len(refused)} refused ({refused[:5]}), stand-in stats {stats}")
        self.raw_runs.append(run := Run(elapsed, sent, cpu, load))
        print(f"raw client: {run.rate:,.0f} messages/s ({sent:,} in {elapsed:.1f} s)", file=sys.stderr, flush=True)
        return run.rate

    def setup_messages(self, tag: str) -> tuple[list[Message], list[Message]]:
        """The campaign, the activities and their lists; then the activities' info-completed events."""
        per, starts = self.args.per_activity, datetime.now(UTC) - timedelta(days=2)
        day = starts.date()
        campaign = CampaignConfigured(campaign_id="2026", year=2026, title=TITLE, week_starts_on=day, week_ends_on=day)
        setup: list[tuple[Any, str, int]] = [(campaign, "2026", 1)]
        completed: list[tuple[Any, str, int]] = []
        for a, first in enumerate(range(0, self.count, per)):
            activity_id = f"bench-{tag}-{a}"
            registered = ActivityRegistered(
                activity_id=activity_id,
                campaign_id="2026",
                name=f"走进科技馆 第{a + 1}场",
                organizer_id=f"unit-{a % 7}",
                organizer_name=ORGANIZER,
                region_code="610502",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                format="offline",
            )
            workers = [
                ScienceWorkerContact(worker_id=f"w{i}", name=f"科学家{i}", phone=f"139{i:08d}")
                for i in range(first, min(first + per, self.count))
            ]
            listed = ScienceWorkersListed(activity_id=activity_id, organizer_name=ORGANIZER, workers=workers)
            setup += [(registered, activity_id, 1), (listed, activity_id, 1)]
            info = InfoCompleted(activity_id=activity_id, summary="圆满完成", completeness=0.9)
            completed.append((info, activity_id, 2))

        def encode(items: list[tuple[Any, str, int]]) -> list[Message]:
            return [message(envelope(p, subject, sequence, source="/bench")) for p, subject, sequence in items]

        return encode(setup), encode(completed)

    async def fan_out(self) -> float:
        """The subject: info-completed published → every thank-you accepted by the stand-in."""
        tag = uuid.uuid4().hex[:8]
        data = self.root / f"notification-{tag}"
        data.mkdir()
        bus_url, port = f"embedded:{data / 'bus.db'}", free_port()
        base_url = f"http://127.0.0.1:{port}"
        service = ServiceProcess("notification", data, bus_url, notification_sms_base_url=base_url, **SETTINGS)
        receipts = f"{service.url}/api/v1/sms/receipts" if self.args.receipts else None
        setup, completed = self.setup_messages(tag)
        with standin(self.root, port, receipts) as standin_pid:
            bus = bus_from_url(bus_url)
            try:
                service.start()
                await bus.start()
                db = sqlite3.connect(data / "notification.db", timeout=30)
                await bus.ensure_topics([TopicSpec(t.name, 3) for t in ALL_TOPICS])
                await bus.publish(setup)
                deadline = time.monotonic() + 120
                while scalar(db, "SELECT count(*) FROM workers") < self.count:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the service did not take the lists in:\n{service.output()[-3000:]}")
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.5)  # let the consumers go idle
                assert service.process is not None
                pids = {"service": service.process.pid, "stand-in": standin_pid, "this process": os.getpid()}
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                    run = await self.timed(bus, completed, db, client, pids, service)
                    run.checks = await self.verify(db, client)
                db.close()
            finally:
                await bus.stop()
                service.stop()
        self.runs.append(run)
        print(f"notification service: {run.rate:,.0f} sends/s", file=sys.stderr, flush=True)
        return run.rate

    async def timed(
        self,
        bus: Any,
        completed: list[Message],
        db: sqlite3.Connection,
        client: httpx.AsyncClient,
        pids: dict[str, int],
        service: ServiceProcess,
    ) -> Run:
        n, marks = self.count, {}
        done = "SELECT count(*) FROM messages WHERE state IN ('sent', 'delivered')"
        load, before = os.getloadavg()[0], {name: cpu_seconds(pid) for name, pid in pids.items()}
        settle_heap()
        started = time.perf_counter()
        await bus.publish(completed)
        deadline = started + max(120.0, n / 100)
        while "recorded" not in marks:
            if "reserved" not in marks and scalar(db, "SELECT count(*) FROM messages") >= n:
                marks["reserved"] = time.perf_counter()
            if "accepted" not in marks:
                accepted = (await client.get("/v1/stats")).json().get("accepted", 0)
                if accepted and "first" not in marks:
                    marks["first"] = time.perf_counter()
                if accepted >= n:
                    marks["accepted"] = time.perf_counter()
                    cpu = {name: (cpu_seconds(pid) - before[name]) for name, pid in pids.items()}
            if "accepted" in marks and scalar(db, done) >= n:
                marks["recorded"] = time.perf_counter()
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the fan-out did not finish in time ({marks}):\n{service.output()[-3000:]}")
            await asyncio.sleep(POLL_S)
        seconds = marks["accepted"] - started
        run = Run(seconds, n, {name: value / seconds for name, value in cpu.items()}, load)
        run.reserved_s, run.first_send_s = marks["reserved"] - started, marks["first"] - started
        run.recorded_s = marks["recorded"] - started
        return run

    async def verify(self, db: sqlite3.Connection, client: httpx.AsyncClient) -> dict[str, Any]:
        """Every worker's phone got exactly one message, and the ledger says all were sent (or delivered)."""
        n = self.count
        handsets = (await client.get("/v1/handsets")).json()["handsets"]
        stats = (await client.get("/v1/stats")).json()
        states = dict(db.execute("SELECT state, count(*) FROM messages GROUP BY state").fetchall())
        recipients = scalar(db, "SELECT count(DISTINCT recipient) FROM messages")
        provider_ids = scalar(db, "SELECT count(DISTINCT provider_message_id) FROM messages")
        twice = sum(1 for texts in handsets.values() if len(texts) != 1)
        checks = {"handsets": len(handsets), "twice": twice, "states": states, "recipients": recipients}
        checks |= {"provider_ids": provider_ids, "duplicates": stats.get("duplicates", 0)}
        counts = (len(handsets), sum(states.values()), recipients, provider_ids)
        if twice or counts != (n, n, n, n) or not set(states) <= {"sent", "delivered"}:
            raise RuntimeError(f"durability check failed: {checks}")
        return checks


def results(bench: Bench) -> list[Result]:
    n, raw_rates, rates = bench.count, [r.rate for r in bench.raw_runs], [r.rate for r in bench.runs]
    share = statistics.median(rates) / statistics.median(raw_rates)
    lists = f"{-(-n // bench.args.per_activity)} activities × ≤ {bench.args.per_activity:,} workers"
    raw = f"raw httpx client, same stand-in ({CONCURRENCY} batches of {PER_REQUEST} in flight)"
    more = [
        ("… until the ledger records every one sent", "messages/s", [n / r.recorded_s for r in bench.runs]),
        ("reservation: info-completed → every row in the ledger", "s", [r.reserved_s for r in bench.runs]),
        ("info-completed → first send accepted", "s", [r.first_send_s for r in bench.runs]),
    ]
    return [
        Result(
            "notification",
            f"thank-you SMS sends/s, {n:,} fanned out ({lists})",
            "messages/s",
            rates,
            raw,
            raw_rates,
            target="≥ 2,000/s and ≥ 50 % of raw",
            met=statistics.median(rates) >= TARGET_RATE and share >= TARGET_SHARE,
        ),
        Result(
            "notification",
            "time for 1,000,000 thank-yous (extrapolated)",
            "min",
            [MILLION / r / 60 for r in rates],
            "raw client, extrapolated",
            [MILLION / r / 60 for r in raw_rates],
            target=f"≤ {MILLION / TARGET_RATE / 60:.1f} min",
            met=MILLION / statistics.median(rates) / 60 <= MILLION / TARGET_RATE / 60,
        ),
        *(Result("notification", *row) for row in more),
    ]


def notes(bench: Bench) -> list[str]:
    def cpu(runs: list[Run]) -> str:
        share = {k: statistics.median(r.cpu[k] for r in runs) for k in runs[0].cpu}
        ms = {k: statistics.median(r.cpu[k] * 1e3 / r.rate for r in runs) for k in runs[0].cpu}
        busiest = sorted(share, key=lambda k: -share[k])
        return ", ".join(f"{k} {share[k]:.2f} ({ms[k]:.2f} ms a message)" for k in busiest)

    def loads(runs: list[Run]) -> str:
        return " ".join(f"{r.load:.1f}" for r in runs)

    checks = bench.runs[-1].checks
    receipts = "posted to the service" if bench.args.receipts else "none"
    return [
        f"Dispatcher defaults: {ROUNDS} rounds at once, each claiming {BATCH} and sending them in requests of "
        f"{PER_REQUEST} (at most {CONCURRENCY} requests in flight); HttpSms {CONNECTIONS} connections; "
        f"SMS rate limit off, quiet hours off; SQLite ledger, embedded log. Stand-in receipts: {receipts}. "
        "The sends/s run from publishing the info-completed events until the stand-in has accepted every "
        "message; the time for 1,000,000 is that rate extrapolated, not measured. Raw client runs: "
        f"{', '.join(f'{r.count:,} messages in {r.seconds:.1f} s' for r in bench.raw_runs)}.",
        f"Checked after every fan-out: {checks['handsets']:,} handsets with one message each, ledger states "
        f"{checks['states']}, {checks['recipients']:,} distinct recipients and {checks['provider_ids']:,} provider ids; "
        f"stand-in duplicates (resent client_ref) in the last run: {checks['duplicates']}.",
        f"Cores busy (median share of one core, and CPU time per message), fan-out: {cpu(bench.runs)}; raw client: {cpu(bench.raw_runs)}. "
        f"Load average (1 min) as each run began, raw / fan-out: {loads(bench.raw_runs)} / {loads(bench.runs)}.",
    ]


async def main_async(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        bench = Bench(Path(scratch), args)
        await interleaved(args.reps, [bench.raw, bench.fan_out])
    return results(bench), notes(bench)


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--count", {"type": int, "default": 0, "help": "thank-yous per fan-out (default 60,000; quick 20,000)"}),
            ("--seconds", {"type": float, "default": 0.0, "help": "cap on a raw run (default 60 s; quick 30 s)"}),
            ("--per-activity", {"type": int, "default": 2000, "help": "science workers per activity (default 2,000)"}),
            ("--receipts", {"action": "store_true", "help": "the stand-in posts delivery receipts to the service"}),
        ],
    )
    args.count = args.count or (20_000 if args.quick else 60_000)
    args.seconds = args.seconds or (30.0 if args.quick else 60.0)
    results_, notes_ = uvloop.run(main_async(args))
    report("Notification fan-out", results_, args, notes_)


if __name__ == "__main__":
    main()
