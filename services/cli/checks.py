"""``kepuri test``: the one command that checks everything (CI runs exactly this)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

STEPS: list[tuple[str, list[str]]] = [
    ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
    ("mypy", [sys.executable, "-m", "mypy"]),
]


def run_checks(pytest_args: Sequence[str]) -> int:
    """Run ruff, mypy and pytest; every step runs, the exit status fails if any step failed."""
    failed = []
    for name, command in [*STEPS, ("pytest", [sys.executable, "-m", "pytest", *pytest_args])]:
        print(f"== {name}", flush=True)
        if subprocess.call(command) != 0:
            failed.append(name)
    if failed:
        print(f"kepuri test: failed: {', '.join(failed)}", flush=True)
        return 1
    return 0
