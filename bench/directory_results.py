"""The directory benchmark's table and notes: each case of the subject against ``GET /healthz`` on the
same server, or, with ``--baseline``, against the same case on the baseline's server; and the targets
of issue 21 (reads: p99 ≤ 50 ms at 32 connections, search and near-me ≥ 2× f0b11fe; check-in ≥ 3,000/s).
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .common import Result
from .directory_data import LABELS
from .directory_seed import Seeded
from .registration_server import Server

TARGET_P99_MS = 50.0
TARGET_CHECK_INS = 3_000.0
TARGET_BASELINE_RATIO = 2.0
READS = ("search", "region", "near")  # the cases held to the p99 target
BASELINE_RATIO_CASES = ("search", "near")  # the cases held to ≥ 2× the baseline


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


@dataclass
class Side:
    """One tree's server on its copy of the loaded directory, and its runs of each case."""

    server: Server
    cases: tuple[str, ...]
    runs: dict[str, list[Run]] = field(default_factory=dict)
    in_view: int = 0

    @property
    def label(self) -> str:
        return self.server.tree.label


def rows(
    case: str, got: list[Run], base: str, against: list[Run], rate_target: str = "", rate_met: bool | None = None
) -> list[Result]:
    """req/s, p50 and p99 of one case against a baseline's runs (the same case elsewhere, or healthz)."""
    label = LABELS.get(case, f"GET /{case}")
    rate, p99 = [r.rate for r in got], [r.ms("p99_us") for r in got]
    return [
        Result("directory", f"{label}: req/s", "requests/s", rate, base, [r.rate for r in against],
               target=rate_target, met=rate_met),
        Result("directory", f"{label}: p50", "ms", [r.ms("p50_us") for r in got], f"{base} p50",
               [r.ms("p50_us") for r in against]),
        Result("directory", f"{label}: p99", "ms", p99, f"{base} p99", [r.ms("p99_us") for r in against],
               target=f"≤ {TARGET_P99_MS:g} ms" if case in READS else "",
               met=statistics.median(p99) <= TARGET_P99_MS if case in READS else None),
    ]  # fmt: skip


def summarize(sides: list[Side]) -> list[Result]:
    """Every case of the subject: against healthz on the same server, or against the baseline's same case."""
    subject, runs = sides[0], sides[0].runs
    if len(sides) == 1:
        base = runs["healthz"]
        out = [
            Result("directory", "GET /healthz (baseline): req/s", "requests/s", [r.rate for r in base]),
            Result("directory", "GET /healthz (baseline): p99", "ms", [r.ms("p99_us") for r in base]),
        ]
        for case in subject.cases[1:]:
            check_in = case == "check_in"
            rate = statistics.median(r.rate for r in runs[case])
            out += rows(case, runs[case], "healthz", base, rate_target="≥ 3,000/s" if check_in else "",
                        rate_met=rate >= TARGET_CHECK_INS if check_in else None)  # fmt: skip
        return out
    other = sides[1]
    out = []
    for case in subject.cases:
        if case not in other.runs:
            out += rows(case, runs[case], "healthz", runs["healthz"])
            continue
        rate, base_rate = (statistics.median(r.rate for r in got[case]) for got in (runs, other.runs))
        if case == "check_in":
            target, met = "≥ 3,000/s", rate >= TARGET_CHECK_INS
        elif case in BASELINE_RATIO_CASES:
            target, met = f"≥ {TARGET_BASELINE_RATIO:g}× {other.label}", rate >= TARGET_BASELINE_RATIO * base_rate
        else:
            target, met = "", None
        out += rows(case, runs[case], other.label, other.runs[case], rate_target=target, rate_met=met)
    return out


def failures(runs: dict[str, list[Run]]) -> str:
    """Unexpected statuses and socket errors per case over all runs."""
    out = []
    for case, got in runs.items():
        failed = sum(r.n("failed") for r in got)
        socket = sum(r.n("socket_errors") for r in got)
        statuses: dict[str, int] = {}
        for r in got:
            for status, count in r.stats["statuses"].items():  # type: ignore[attr-defined]
                statuses[status] = statuses.get(status, 0) + count
        out.append(f"{case} {failed}{f' {statuses}' if statuses else ''}/{socket}")
    return ", ".join(out)


def load_note(args: argparse.Namespace, side: str, loaded: Seeded | None, path: Path) -> str:
    if loaded is None or loaded.applying_s is None:
        how = f"reused a database loaded before ({path}; the load not timed)"
    else:
        how = (f"{args.activities:,} activity-registered events through its own DirectoryProjection.apply in batches "
               f"of {args.batch:,} (one transaction each) in {loaded.applying_s:.1f} s: "
               f"{args.activities / loaded.applying_s:,.0f} events/s (building the envelopes, not timed, took "
               f"{loaded.building_s:.1f} s more)")  # fmt: skip
    return f"Load ({side}): {how}; database {path.stat().st_size / 2**20:,.0f} MiB."


def layout(args: argparse.Namespace, sides: list[Side]) -> str:
    shape = (
        f"the api role with {args.workers} worker processes and a background process (relay, consumers), as "
        "`kepuri up` runs it"
        if args.workers > 1
        else "one process (role all)"
    )
    text = f"Subject: this checkout, {shape}, on a copy of the loaded database."
    if len(sides) > 1:
        text += (
            f" Baseline: {sides[1].label} checked out into a temporary worktree, its own bench.registration_server "
            "(one process) on a copy of the database its own loader filled (the same activities: checked); the two "
            "take turns (A B, then B A), each server started afresh for its turn, alone on the machine."
        )
    return text
