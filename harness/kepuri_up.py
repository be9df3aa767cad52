"""``./kepuri up`` as an OS process on free ports, for the tests that use the platform as a person would."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.platform import DEFAULT_PORTS, background_ports
from harness.ports import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RunningUp:
    """A running ``kepuri up``: its environment (data directory and ports), its URLs and its output."""

    env: dict[str, str]
    ports: dict[str, int]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)  # ``up`` itself

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def site(self) -> str:
        """The one origin: the site and every service's public API behind Caddy."""
        return f"http://127.0.0.1:{self.env['KEPURI_SITE_PORT']}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def up_environment(data_dir: Path) -> dict[str, str]:
    """``os.environ`` with a data directory and a free port for every process ``up`` starts, and
    nothing else: no internal URL is given, ``up`` must derive them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
    env.update({f"KEPURI_{name.upper()}_PORT": str(free_port()) for name, _ in DEFAULT_PORTS})
    env["KEPURI_SMS_STANDIN_PORT"] = str(free_port())
    env["KEPURI_SITE_PORT"] = str(free_port())
    env["KEPURI_DATA_DIR"] = str(data_dir)
    return env


@contextlib.contextmanager
def kepuri_up(
    data_dir: Path,
    timeout_s: float = 120.0,
    settings: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    *,
    workers: int = 1,
) -> Iterator[RunningUp]:
    """Start ``python -m cli up --workers N`` (what ``./kepuri up`` runs) and stop it with SIGTERM after.

    ``settings`` are more ``KEPURI_*`` variables for every process; ``up``'s output goes to
    ``up.log`` in ``log_dir`` (default: the data directory). ``workers`` is 1 unless a test says
    otherwise (each service one process, light on a shared machine); with more, every service's
    background process gets a free port too (``RunningUp.ports["<service>-background"]``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**up_environment(data_dir), **(settings or {})}
    if workers > 1:
        env |= {f"KEPURI_{name.upper()}_BACKGROUND_PORT": str(free_port()) for name, _ in DEFAULT_PORTS}
    ports = {name: int(env[f"KEPURI_{name.upper()}_PORT"]) for name, _ in DEFAULT_PORTS}
    if workers > 1:
        ports |= dict(background_ports(env))
    log_path = (log_dir or data_dir) / "up.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "up", "--data-dir", str(data_dir), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningUp(env, ports, log_path, process)
    try:
        deadline = time.monotonic() + timeout_s
        while "kepuri: running" not in running.output():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"kepuri up did not start:\n{running.output()}")
            time.sleep(0.2)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
