"""The one way the platform's processes are started, waited on and stopped.

``kepuri up`` (cli/up.py), the simulation's platform (:class:`harness.platform.Platform`), the tests'
services (:class:`harness.processes.ServiceProcess`), the site proxy and the benchmarks' servers all
start their processes with :func:`launch`, wait with :func:`wait_healthy` until each answers its
health URL, and stop them with :func:`stop_all`: SIGTERM, a grace period for a graceful exit, then SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

Process = subprocess.Popen[bytes]


def launch(
    command: Sequence[str], env: Mapping[str, str], log_path: Path | None = None, *, new_session: bool = False
) -> Process:
    """Start ``command`` with exactly ``env``; its output is appended to ``log_path`` (inherited when
    None). ``new_session``: its own session, so that a Ctrl-C meant for the caller does not reach it."""
    if log_path is None:
        return subprocess.Popen(list(command), env=dict(env), start_new_session=new_session)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            list(command), env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=new_session
        )


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now (one GET, one second at most)."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_healthy(
    health: Mapping[str, str], processes: Mapping[str, Process], timeout: float = 60.0, interval: float = 0.1
) -> list[str]:
    """Wait until every process named in ``health`` answers its URL (name -> health URL); the names of
    those not healthy within ``timeout``, or at once the name of one that exited (empty: all healthy)."""
    pending = dict(health)
    deadline = time.monotonic() + timeout
    while pending:
        for name, url in list(pending.items()):
            if processes[name].poll() is not None:
                return [name]
            if answers(url):
                del pending[name]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(interval)
    return list(pending)


def stop_all(processes: Mapping[str, Process], grace: float = 20.0) -> list[str]:
    """SIGTERM every process still running, wait ``grace`` seconds in all for them to exit, SIGKILL the
    rest; the names of those that had to be killed."""
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    killed = []
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            killed.append(name)
    return killed
