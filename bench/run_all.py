"""Run every benchmark, each in a process of its own, and print one markdown section with all results.

    python -m bench.run_all [--quick] [--only relay,registration] [--output results.md]
                            [--workers N] [--baseline f0b11fe]

``--workers`` and ``--baseline`` go to the benchmarks that take them (:data:`TAKE_WORKERS`,
:data:`TAKE_BASELINE`): the subject's API worker processes, and the commit measured beside it.

The raw results (every sample) are kept as JSON in ``bench/results/`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .common import Result, describe_machine, machine, table

BENCHMARKS = (
    "bus_throughput",
    "relay",
    "projection",
    "registration",
    "directory",
    "end_to_end",
    "notification",
    "replay",
    "analytics",
    "exports",
    "rate_limit",
    "replicas",
)
TAKE_WORKERS = ("registration", "directory")
TAKE_BASELINE = ("registration", "directory")
RESULTS = Path(__file__).parent / "results"


def run(name: str, args: argparse.Namespace, stamp: str) -> tuple[dict[str, Any], float]:
    """Run ``bench.<name>``; its JSON results and how long it took."""
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / f"{stamp}-{name}{'-quick' if args.quick else ''}.json"
    command = [sys.executable, "-m", f"bench.{name}", "--json", str(output), *(["--quick"] if args.quick else [])]
    command += ["--workers", str(args.workers)] if args.workers and name in TAKE_WORKERS else []
    command += ["--baseline", args.baseline] if args.baseline and name in TAKE_BASELINE else []
    print(f"running {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.monotonic()
    # the benchmark's own table goes to stderr here, so that stdout is only the combined section
    subprocess.run(command, check=True, stdout=sys.stderr)
    return json.loads(output.read_text()), time.monotonic() - started


def section(outcomes: list[tuple[dict[str, Any], float]], quick: bool) -> str:
    lines = [
        f"## Results{' (quick)' if quick else ''}",
        "",
        f"Machine: {describe_machine(machine())}. Every figure is the median of the repetitions (n), next to a "
        "baseline measured in the same run; a ratio is the median over the baseline's median.",
    ]
    for payload, seconds in outcomes:
        results = [Result.from_dict(r) for r in payload["results"]]
        lines += ["", f"### {payload['title']} ({seconds:.0f} s, {payload['reps']} repetitions)", "", table(results)]
        lines += [f"\n{note}" for note in payload["notes"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the quick variant of every benchmark")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path, help="also write the section to this file")
    parser.add_argument("--workers", type=int, default=0, help=f"API worker processes for {', '.join(TAKE_WORKERS)}")
    parser.add_argument("--baseline", default="", help=f"commit measured beside {', '.join(TAKE_BASELINE)} (f0b11fe)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    started = time.monotonic()
    outcomes = [run(name, args, stamp) for name in names]
    text = section(outcomes, args.quick)
    text += f"\nAll benchmarks together took {time.monotonic() - started:.0f} s.\n"
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
