"""The registration benchmark's runs, table and notes: the subject's accepted/s against its ceiling on
the same server, against the baseline commit's, and on other ASGI servers; issue 21's targets
(≥ 2× f0b11fe, ≥ 40 % of the same-run ceiling with the same workers, p99 ≤ 100 ms at 64 connections).
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field

from .common import Result
from .registration_server import Server

TARGET_BASELINE_RATIO = 2.0
TARGET_SHARE = 0.40
TARGET_P99_MS = 100.0
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass
class Run:
    """One wrk run against one route, and what the server and the store showed after it."""

    path: str
    stats: dict[str, object]
    cpu: dict[str, float]
    load: float
    accepted: set[str] = field(default_factory=set)
    durable: str = ""
    backlog: int = 0
    drain_s: float = 0.0

    def count(self, name: str) -> int:
        return int(self.stats[name])  # type: ignore[call-overload]

    @property
    def rate(self) -> float:
        return self.count("created") / (self.count("duration_us") / 1e6)

    def ms(self, name: str) -> float:
        return self.count(name) / 1000


@dataclass
class Side:
    """What is measured on one tree: its server and database, and its runs of each route."""

    label: str
    server: Server
    database_url: str
    first_token: str
    tokens: list[str] = field(default_factory=list)
    ceilings: list[Run] = field(default_factory=list)
    writes: list[Run] = field(default_factory=list)


def results(name: str, sides: list[Side], workers: int, baseline: str) -> list[Result]:
    label, subject = LABELS[name], sides[0]
    others = [side for side in sides[1:] if side.label != baseline]  # the subject on other ASGI servers
    sides = [subject, *(side for side in sides if side.label == baseline)]
    alternatives = [
        result
        for other in others
        for result in (
            Result("registration", f"{label}: accepted/s on {other.server.asgi} ({workers} workers)", "requests/s",
                   [r.rate for r in other.writes], f"{subject.server.asgi}", [r.rate for r in subject.writes]),
            Result("registration", f"{label}: p99 on {other.server.asgi}", "ms", [r.ms("p99_us") for r in other.writes],
                   f"{subject.server.asgi} p99", [r.ms("p99_us") for r in subject.writes]),
            Result("registration", f"{label}: ceiling on {other.server.asgi}", "requests/s",
                   [r.rate for r in other.ceilings], f"{subject.server.asgi}", [r.rate for r in subject.ceilings]),
        )
    ]  # fmt: skip
    rate, ceiling = [r.rate for r in subject.writes], [r.rate for r in subject.ceilings]
    p99 = [r.ms("p99_us") for r in subject.writes]
    share = statistics.median(rate) / statistics.median(ceiling)
    shape = f"{workers} worker{'s' if workers > 1 else ''}"
    rows = [
        Result(
            "registration",
            f"{label}: accepted/s, POST /api/v1/activities ({shape})",
            "requests/s",
            rate,
            f"ceiling, {shape} (validate + token, no database)",
            ceiling,
            target="≥ 40 % of the ceiling",
            met=share >= TARGET_SHARE,
        )
    ]
    if len(sides) == 1:
        return [
            *rows,
            Result(
                "registration",
                f"{label}: p50",
                "ms",
                [r.ms("p50_us") for r in subject.writes],
                "ceiling p50",
                [r.ms("p50_us") for r in subject.ceilings],
            ),
            Result(
                "registration",
                f"{label}: p99",
                "ms",
                p99,
                "ceiling p99",
                [r.ms("p99_us") for r in subject.ceilings],
                target=f"≤ {TARGET_P99_MS:g} ms",
                met=statistics.median(p99) <= TARGET_P99_MS,
            ),
            *alternatives,
        ]
    base = sides[1]
    base_rate = [r.rate for r in base.writes]
    return [
        Result(
            "registration",
            f"{label}: accepted/s ({shape}) against {base.label}",
            "requests/s",
            rate,
            f"{base.label} (one process)",
            base_rate,
            target=f"≥ {TARGET_BASELINE_RATIO:g}× {base.label}",
            met=statistics.median(rate) >= TARGET_BASELINE_RATIO * statistics.median(base_rate),
        ),
        *rows,
        Result(
            "registration",
            f"{label}: p50",
            "ms",
            [r.ms("p50_us") for r in subject.writes],
            f"{base.label} p50",
            [r.ms("p50_us") for r in base.writes],
        ),
        Result(
            "registration",
            f"{label}: p99",
            "ms",
            p99,
            f"{base.label} p99",
            [r.ms("p99_us") for r in base.writes],
            target=f"≤ {TARGET_P99_MS:g} ms",
            met=statistics.median(p99) <= TARGET_P99_MS,
        ),
        Result(
            "registration",
            f"{label}: {base.label} accepted/s",
            "requests/s",
            base_rate,
            f"{base.label} ceiling",
            [r.rate for r in base.ceilings],
        ),
        *alternatives,
    ]


def note(name: str, side: Side, args: argparse.Namespace) -> str:
    ceilings, writes = side.ceilings, side.writes

    def failures(runs: list[Run]) -> str:
        failed = sum(r.count("failed") for r in runs)
        socket = sum(r.count(k) for r in runs for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
        statuses: dict[str, int] = {}
        for r in runs:
            for status, n in r.stats["statuses"].items():  # type: ignore[attr-defined]
                statuses[status] = statuses.get(status, 0) + n
        first = next((str(r.stats["first_failure"]) for r in runs if r.stats["first_failure"]), "")
        text = f"{failed} non-201 answers{f' {statuses}' if statuses else ''}, {socket} socket errors or timeouts"
        return text + (f" (first: {first[:160]})" if first else "")

    def cpu(runs: list[Run]) -> str:
        shares = {k: statistics.median(r.cpu[k] for r in runs) for k in runs[0].cpu}
        return ", ".join(f"{k} {v:.2f}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]))

    accepted = sum(len(r.accepted) for r in writes)
    extra = sum(int(r.durable.split()[0]) for r in writes)
    return (
        f"{LABELS[name]}, {side.label} ({side.server.workers} worker{'s' if side.server.workers > 1 else ''}), "
        f"{args.connections} connections, {args.seconds:g} s × {len(writes)}: write path "
        f"{failures(writes)}; ceiling {failures(ceilings)}. Durable after every run: all {accepted:,} accepted "
        f"activities have their activity-registered row in events and in outbox, both tables grew alike, and "
        f"{extra} more were committed whose 201 wrk did not wait for (in flight when it stopped). Relay backlog when "
        f"wrk stopped: {', '.join(f'{r.backlog:,}' for r in writes)} rows; drained, and the server idle again, in "
        f"{', '.join(f'{r.drain_s:.1f}' for r in writes)} s. Cores busy (median share of one core) during the write "
        f"path: {cpu(writes)}; during the ceiling: {cpu(ceilings)}. Load average (1 min) as each run began, "
        f"ceiling / write path: {' '.join(f'{r.load:.1f}' for r in ceilings)} / "
        f"{' '.join(f'{r.load:.1f}' for r in writes)}."
    )
