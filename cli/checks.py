"""``kepuri test``: the one command that checks everything (CI runs exactly this); ``kepuri test --fast``:
the linters, the type checker and the fast subset, for the edit-and-check loop.

Some tests drive real system programs from Debian's packages (``promtool`` for the Prometheus
rules); they are installed here when missing, so that nothing the suite needs can be skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from .site import PROJECT_ROOT, check_site

# command the tests run -> the Debian package that provides it
SYSTEM_TOOLS = {"promtool": "prometheus", "chromium": "chromium", "chromedriver": "chromium-driver"}

STEPS: list[tuple[str, list[str]]] = [
    ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
    ("mypy", [sys.executable, "-m", "mypy"]),
]


def ensure_system_tools() -> list[str]:
    """Install the Debian packages of missing tools; return the tools still missing."""
    missing = {tool: package for tool, package in SYSTEM_TOOLS.items() if shutil.which(tool) is None}
    if missing and shutil.which("apt-get") and os.geteuid() == 0:
        print(f"== installing {', '.join(sorted(set(missing.values())))} from Debian's packages", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.call(["apt-get", "update", "-qq"], env=env)
        subprocess.call(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *sorted(set(missing.values()))], env=env
        )
    return [tool for tool in SYSTEM_TOOLS if shutil.which(tool) is None]


def run_checks(pytest_args: Sequence[str]) -> int:
    """Run ruff, mypy, the site's checks (type check, Vitest) and pytest; every step runs, the exit
    status fails if any step failed. The site's packages are installed first (``npm ci`` when the
    lock changed), which the tests of tests/web also need."""
    failed = []
    still_missing = ensure_system_tools()
    if still_missing:
        packages = " ".join(SYSTEM_TOOLS[t] for t in still_missing)
        print(f"kepuri test: missing {', '.join(still_missing)}: install with `apt-get install {packages}`", flush=True)
        failed.append("system tools")
    for name, command in STEPS:
        print(f"== {name}", flush=True)
        if subprocess.call(command) != 0:
            failed.append(name)
    print("== web", flush=True)
    if not check_site(PROJECT_ROOT):
        failed.append("web")
    print("== pytest", flush=True)
    if subprocess.call([sys.executable, "-m", "pytest", *pytest_args]) != 0:
        failed.append("pytest")
    if failed:
        print(f"kepuri test: failed: {', '.join(failed)}", flush=True)
        return 1
    return 0


def run_fast_checks(pytest_args: Sequence[str]) -> int:
    """Ruff, then mypy beside ``pytest -m fast`` (the tests/conftest.py marker: unit and contract tests
    that need no PostgreSQL server or Kafka broker). No system tools, no site checks: those and the
    rest of the suite are for the full ``kepuri test``. The exit status fails if any step failed."""
    failed = []
    (lint, lint_command), (types, types_command) = STEPS
    print(f"== {lint}", flush=True)
    if subprocess.call(lint_command) != 0:
        failed.append(lint)
    # mypy's output is held back until pytest has finished, so that the two do not interleave
    typing = subprocess.Popen(types_command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print("== pytest -m fast", flush=True)
    if subprocess.call([sys.executable, "-m", "pytest", "-m", "fast", *pytest_args]) != 0:
        failed.append("pytest")
    output, _ = typing.communicate()
    print(f"== {types}\n{output.decode(errors='replace').rstrip()}", flush=True)
    if typing.returncode != 0:
        failed.append(types)
    if failed:
        print(f"kepuri test --fast: failed: {', '.join(failed)}", flush=True)
        return 1
    return 0
