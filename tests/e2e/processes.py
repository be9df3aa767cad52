"""Services as real OS processes, for tests that kill and restart them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fixtures.tansu import free_port


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
