"""Timing helpers shared by the benchmarks: repetitions, medians, the machine, a table (percentiles: harness.measure).

Every figure a benchmark reports is the median of several repetitions next to a baseline measured in
the same process and run. Subject and baseline are interleaved (A B, then B A, …) so that the noise of
a shared machine falls on both alike; a ratio between them is what carries from one machine to another.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import statistics
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Settings of the Kafka clients the benchmarks create on tansu: fetches answered after 10 ms (tansu
# always waits that long), and a 2 s session because tansu holds a group join for half of it.
KAFKA_CLIENT: dict[str, Any] = {"fetch_max_wait_ms": 10, "session_timeout_ms": 2000, "heartbeat_interval_ms": 600}


@dataclass
class Result:
    """One row of a benchmark's table: the samples of one case and, when it has one, of its baseline."""

    benchmark: str
    case: str
    unit: str
    samples: list[float]
    baseline: str = ""
    baseline_samples: list[float] = field(default_factory=list)
    target: str = ""
    met: bool | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline_samples) if self.baseline_samples else None

    @property
    def ratio(self) -> float | None:
        """Median over the baseline's median (for rates: the share of the baseline's speed)."""
        base = self.baseline_median
        return self.median / base if base else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "median": self.median, "baseline_median": self.baseline_median, "ratio": self.ratio}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def settle_heap() -> None:
    """Collect, then move every object alive now out of the collector's sight (``gc.freeze``).

    Call it just before the clock starts, once the test data is built: a service holds one batch at a
    time, not a benchmark's whole data set, and without this every collection during the timed part
    would walk the data set too, charging the code under test for the benchmark's own memory.
    :func:`interleaved` unfreezes after each case.
    """
    gc.collect()
    gc.freeze()


def rate(count: int, seconds: float) -> float:
    """Events per second."""
    return count / seconds if seconds > 0 else float("inf")


async def interleaved(
    reps: int, cases: Sequence[Callable[[], Awaitable[float]]], *, pairs: bool = False
) -> list[list[float]]:
    """Run every case ``reps`` times, reversing their order every other repetition; the samples per case.

    With ``pairs`` the cases are ``[a, b, a2, b2]`` where ``a2`` must run right after ``a`` (a consume
    after its publish) and ``b2`` after ``b``: each repetition runs a, a2, b, b2 or b, b2, a, a2.
    """
    samples: list[list[float]] = [[] for _ in cases]
    for rep in range(reps):
        order = list(range(len(cases)))
        if pairs:
            columns = [order[i::2] for i in range(2)]
            order = [i for column in (reversed(columns) if rep % 2 else columns) for i in column]
        elif rep % 2:
            order.reverse()
        for index in order:
            try:
                samples[index].append(await cases[index]())
            finally:
                gc.unfreeze()
    return samples


def cpu_model() -> str:
    """The CPU model as /proc/cpuinfo names it (or what ``platform`` knows elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU time so far of ``root`` and of its direct children (a PostgreSQL server and its backends)."""
    total = cpu_seconds(root)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == root:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return total


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def describe_machine(info: dict[str, str] | None = None) -> str:
    info = info or machine()
    return f"{info['cores']} cores, {info['cpu']}, Python {info['python']}, {info['system']}, measured {info['date']}"


def cli(
    description: str, *, reps: int, quick_reps: int, extra: Sequence[tuple[str, dict[str, Any]]] = ()
) -> argparse.Namespace:
    """The options every benchmark takes: ``--quick``, ``--reps N`` and ``--json PATH``, and ``extra``."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs and fewer repetitions (under a minute)")
    parser.add_argument("--reps", type=int, default=0, help=f"repetitions (default {reps}, {quick_reps} with --quick)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    for flag, options in extra:
        parser.add_argument(flag, **options)
    args = parser.parse_args()
    if not args.reps:
        args.reps = quick_reps if args.quick else reps
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    return args


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("events/s", "requests/s"):
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.3g} {unit}"


def compact(value: float) -> str:
    """A short form for ranges: 55.4k, 1.2M, 12.3."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def table(results: Sequence[Result]) -> str:
    """The results as a markdown table: median and range of the samples, baseline, ratio, target."""
    lines = [
        "| benchmark | case | median (range, n) | baseline: median | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        spread = f"{compact(min(r.samples))}–{compact(max(r.samples))}" if r.samples else ""
        measured = f"{fmt(r.median, r.unit)} ({spread}, n={len(r.samples)})"
        base = f"{r.baseline}: {fmt(r.baseline_median, r.unit)}" if r.baseline else "—"
        ratio = "—" if r.ratio is None else f"{r.ratio:.3f}×" if r.ratio < 10 else f"{r.ratio:,.0f}×"
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.benchmark} | {r.case} | {measured} | {base} | {ratio} | {r.target or '—'} | {met} |")
    return "\n".join(lines)


def report(title: str, results: Sequence[Result], args: argparse.Namespace, notes: Sequence[str] = ()) -> None:
    """Print the results as markdown and, with ``--json``, write them with the machine description."""
    info = machine()
    print(f"\n### {title}{' (quick)' if args.quick else ''}\n")
    print(f"Machine: {describe_machine(info)}; {args.reps} repetitions.\n")
    print(table(results))
    for note in notes:
        print(f"\n{note}")
    if args.json:
        payload = {"title": title, "quick": args.quick, "reps": args.reps, "machine": info, "notes": list(notes)}
        payload["results"] = [r.as_dict() for r in results]
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
