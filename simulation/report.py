"""The summary at the end: per-endpoint throughput and latency, consumer lag, memory, the invariants,
as a markdown table (printed) and as JSON (``--json PATH``)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.measure import percentile

from .driver import EndpointStats
from .invariants import Verdict
from .lag import Sample

WINDOW = 10  # seconds: the sustained rate is the best mean over this many consecutive seconds
P99_BOUND_MS = 200.0  # issue 7's figure: the highest rate sustained while p99 stays under this


def endpoint_summary(name: str, stats: EndpointStats) -> dict[str, Any]:
    seconds = sorted(stats.per_second)
    span = (seconds[-1] - seconds[0] + 1) if seconds else 0
    sustained = 0.0
    if seconds:
        for start in range(seconds[0], max(seconds[0], seconds[-1] - WINDOW + 1) + 1):
            window = sum(stats.per_second.get(s, 0) for s in range(start, start + WINDOW))
            sustained = max(sustained, window / min(WINDOW, span))
    return {
        "endpoint": name,
        "calls": stats.count,
        "mean_rate": stats.count / span if span else 0.0,
        "sustained_rate": sustained,
        "sustained_within_p99_bound": within_bound(stats),
        "p50_ms": percentile(stats.latencies, 50) * 1000,
        "p95_ms": percentile(stats.latencies, 95) * 1000,
        "p99_ms": percentile(stats.latencies, 99) * 1000,
        "late_p99_ms": percentile(stats.late, 99) * 1000,
        "statuses": dict(sorted(stats.statuses.items())),
    }


def within_bound(stats: EndpointStats, bound_ms: float = P99_BOUND_MS) -> float:
    """The best rate of a :data:`WINDOW`-second window (consecutive, not sliding) whose calls' p99
    stayed within ``bound_ms``: 0 when none did."""
    windows: dict[int, list[float]] = {}
    for finished, latency in zip(stats.finished, stats.latencies, strict=True):
        windows.setdefault(int(finished // WINDOW), []).append(latency)
    fast = [len(calls) / WINDOW for calls in windows.values() if percentile(calls, 99) * 1000 <= bound_ms]
    return max(fast, default=0.0)


def lag_summary(samples: list[Sample], week: tuple[float, float] = (0.0, 7.0)) -> dict[str, dict[str, float]]:
    services = sorted({name for s in samples for name in s.lag})
    summary = {}
    for name in services:
        overall = [s.lag[name] for s in samples if name in s.lag]
        peak = [s.lag[name] for s in samples if name in s.lag and week[0] <= s.day < week[1]]
        summary[name] = {
            "p50": percentile(overall, 50),
            "p99": percentile(overall, 99),
            "max": max(overall, default=0.0),
            "week_p99": percentile(peak, 99),
        }
    return summary


def memory_summary(samples: list[Sample]) -> dict[str, dict[str, float]]:
    """Resident memory per service: in process roles, its api and background processes together."""
    totals: list[defaultdict[str, int]] = []
    for sample in samples:
        total: defaultdict[str, int] = defaultdict(int)
        for name, value in sample.rss.items():
            total[name.removesuffix("-background")] += value
        totals.append(total)
    mib = 1024 * 1024
    return {
        name: {
            "peak_mib": max(t[name] for t in totals if name in t) / mib,
            "end_mib": next(t[name] for t in reversed(totals) if name in t) / mib,
        }
        for name in sorted({name for t in totals for name in t})
    }


def build(
    settings: dict[str, Any],
    stats: dict[str, EndpointStats],
    samples: list[Sample],
    verdicts: list[Verdict],
    extra: dict[str, Any],
) -> dict[str, Any]:
    return {
        "settings": settings,
        "endpoints": [endpoint_summary(name, s) for name, s in sorted(stats.items())],
        "consumer_lag_records": lag_summary(samples),
        "memory": memory_summary(samples),
        "invariants": [{"name": v.name, "ok": v.ok, "detail": v.detail} for v in verdicts],
        **extra,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| endpoint | calls | mean /s | sustained /s (10 s) | at p99 ≤ 200 ms /s | p50 ms | p95 ms | p99 ms "
        "| late p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for e in report["endpoints"]:
        statuses = " ".join(f"{k}×{v}" for k, v in e["statuses"].items())
        lines.append(
            f"| `{e['endpoint']}` | {e['calls']} | {e['mean_rate']:.1f} | {e['sustained_rate']:.1f} | "
            f"{e['sustained_within_p99_bound']:.1f} | "
            f"{e['p50_ms']:.1f} | {e['p95_ms']:.1f} | {e['p99_ms']:.1f} | {e['late_p99_ms']:.0f} | {statuses} |"
        )
    lines += ["", "| service | consumer lag p50 | p99 | max | p99 in the week | RSS peak MiB | RSS end MiB |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    memory = report["memory"]
    for name, lag in report["consumer_lag_records"].items():
        rss = memory.get(name, {})
        lines.append(
            f"| {name} | {lag['p50']:.0f} | {lag['p99']:.0f} | {lag['max']:.0f} | {lag['week_p99']:.0f} | "
            f"{rss.get('peak_mib', float('nan')):.0f} | {rss.get('end_mib', float('nan')):.0f} |"
        )
    lines += ["", "| invariant | holds | detail |", "|---|---|---|"]
    for v in report["invariants"]:
        lines.append(f"| {v['name']} | {'yes' if v['ok'] else '**NO**'} | {v['detail']} |")
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
