"""Services as real OS processes, for tests and benchmarks that kill and restart them; the site proxy
(Caddy) in front of them, as ``kepuri up`` runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

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
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.name}"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become healthy:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

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
        """SIGTERM (Caddy stops gracefully) and wait; returns the exit status."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
