"""Services as real OS processes, for tests and benchmarks that kill and restart them; the site proxy
(Caddy) in front of them, as ``kepuri up`` runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from harness.launcher import launch, stop_all, wait_healthy
from harness.ports import free_port
from harness.proxy import proxy_environment, start_proxy, wait_for_proxy


class ServiceProcess:
    """``python -m services.<name>`` with its own environment, output captured to a file."""

    def __init__(self, name: str, data_dir: Path, bus_url: str, **settings: str) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"{name}.log"
        self.env = {
            **os.environ,
            "KEPURI_DATA_DIR": str(data_dir),
            "KEPURI_BUS_URL": bus_url,
            "KEPURI_ENVIRONMENT": "test",
            "KEPURI_TOPIC_PARTITIONS": "3",
            "KEPURI_KAFKA_FETCH_MAX_WAIT_MS": "10",
            "KEPURI_RELAY_TAKEOVER_S": "1",  # a relay on PostgreSQL waits this long after taking its lock
            f"KEPURI_{name.upper()}_PORT": str(self.port),
            **{f"KEPURI_{k.upper()}": v for k, v in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the service and return once ``/healthz`` answers; RuntimeError with its output if not."""
        command = [sys.executable, "-m", f"services.{self.name}"]
        self.process = launch(command, self.env, self.log_path)
        if wait_healthy({self.name: f"{self.url}/healthz"}, {self.name: self.process}, timeout):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            raise RuntimeError(f"{self.name} did not become healthy:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit status (RuntimeError if it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        if stop_all({self.name: self.process}, grace=30):
            raise RuntimeError(f"{self.name} did not stop within 30 s of SIGTERM:\n{self.output()[-3000:]}")
        return self.process.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class SiteProxy:
    """Caddy running deploy/caddy/Caddyfile on a free port in front of ``upstreams`` (service ->
    ``host:port``), serving ``site_root``, configured as ``kepuri up`` configures it (``settings``:
    more of the Caddyfile's environment variables, e.g. ``KEPURI_PROXY_MAX_BODY``)."""

    def __init__(self, data_dir: Path, upstreams: dict[str, str], site_root: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"caddy-{self.port}.log"
        self.env = proxy_environment(
            {**os.environ, **settings},
            upstreams,
            port=self.port,
            bind="127.0.0.1",
            site_root=site_root,
            state_dir=data_dir / f"caddy-{self.port}",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_proxy(self.env, self.log_path)
        if not wait_for_proxy(self.url, self.process):
            self.stop()
            raise RuntimeError(f"caddy did not start:\n{self.log_path.read_text(errors='replace')}")

    def stop(self) -> int:
        """SIGTERM (Caddy stops gracefully) and wait; returns the exit status (RuntimeError if it had to be killed)."""
        if self.process is None:
            return 0
        if stop_all({"caddy": self.process}, grace=30):
            raise RuntimeError("caddy did not stop within 30 s of SIGTERM")
        return self.process.returncode
