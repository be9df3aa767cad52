"""The platform's processes: the four services and the SMS stand-in, their ports and environments.

:func:`process_environments` is what ``kepuri up`` (cli/up.py) gives each process; :class:`Platform`
is ``kepuri simulate --start``'s platform, the same shape as ``kepuri up``: each service ``python -m services.<name>``
with its own environment, the SMS stand-in beside notification, each on a free port so that a
simulation never collides with a ``kepuri up`` already running. The other ``KEPURI_*`` settings
are passed through (``KEPURI_BUS_URL=kafka://…`` and the database URLs select Kafka + PostgreSQL).
Quiet hours are switched off, since a simulation's thank-yous must not wait for 08:00 China time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

DEFAULT_PORTS = (("registration", 8001), ("review", 8002), ("notification", 8003), ("analytics", 8004))
STANDIN = "sms-standin"
STANDIN_PORT = 8013


def service_ports(env: dict[str, str]) -> list[tuple[str, int]]:
    """Each service and its port: ``KEPURI_<SERVICE>_PORT`` if set, else the default."""
    return [(name, int(env.get(f"KEPURI_{name.upper()}_PORT", port))) for name, port in DEFAULT_PORTS]


def process_environments(env: dict[str, str], ports: list[tuple[str, int]], host: str) -> dict[str, dict[str, str]]:
    """The environment of each process ``up`` starts, with every internal URL derived from ``ports``.

    The services reach each other at ``host`` (where they listen) on the ports this ``up`` gives
    them: review, notification and analytics verify tokens against registration's key set, notification
    sends SMS to the stand-in (unless a provider is configured) and the stand-in calls notification
    back, analytics reads the other services' metrics. A URL set explicitly in ``env`` is kept.
    """
    port = dict(ports)
    base = {name: f"http://{host}:{port[name]}" for name in port}
    environments = {name: dict(env) for name in port}
    for name in ("review", "notification", "analytics"):
        environments[name].setdefault(
            f"KEPURI_{name.upper()}_JWKS_URL", f"{base['registration']}/api/v1/auth/jwks.json"
        )
    if "KEPURI_NOTIFICATION_SMS_BASE_URL" not in env:
        standin_port = int(env.get("KEPURI_SMS_STANDIN_PORT", STANDIN_PORT))
        standin_host = env.get("KEPURI_SMS_STANDIN_HOST", "127.0.0.1").replace("0.0.0.0", "127.0.0.1")
        environments["notification"]["KEPURI_NOTIFICATION_SMS_BASE_URL"] = f"http://{standin_host}:{standin_port}"
        callbacks = f"{base['notification']}/api/v1/sms"
        environments[STANDIN] = {
            **env,
            "KEPURI_SMS_STANDIN_PORT": str(standin_port),
            "KEPURI_SMS_STANDIN_RECEIPTS_URL": f"{callbacks}/receipts",
            "KEPURI_SMS_STANDIN_INBOUND_URL": f"{callbacks}/inbound",
        }
    # the dashboard's operations table covers every service
    peers = ",".join(f"{base[name]}/metrics" for name in port if name != "analytics")
    environments["analytics"].setdefault("KEPURI_ANALYTICS_PEERS_METRICS", peers)
    return environments


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Platform:
    """Starts on ``__enter__`` (waiting until every process is healthy), stops gracefully on exit."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.ports = {name: free_port() for name, _port in DEFAULT_PORTS} | {STANDIN: free_port()}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        jwks = f"{self.urls['registration']}/api/v1/auth/jwks.json"
        notification = self.urls["notification"]
        self.env = {
            **os.environ,
            "KEPURI_DATA_DIR": str(data_dir),
            **{f"KEPURI_{name.upper()}_PORT": str(port) for name, port in self.ports.items() if name != STANDIN},
            **{f"KEPURI_{name}_JWKS_URL": jwks for name in ("REVIEW", "NOTIFICATION", "ANALYTICS")},
            "KEPURI_NOTIFICATION_SMS_BASE_URL": self.urls[STANDIN],
            "KEPURI_NOTIFICATION_QUIET_HOURS": "",
            "KEPURI_SMS_STANDIN_PORT": str(self.ports[STANDIN]),
            "KEPURI_SMS_STANDIN_RECEIPTS_URL": f"{notification}/api/v1/sms/receipts",
            "KEPURI_SMS_STANDIN_INBOUND_URL": f"{notification}/api/v1/sms/inbound",
            "KEPURI_ANALYTICS_PEERS_METRICS": ",".join(
                f"{self.urls[n]}/metrics" for n in ("registration", "review", "notification")
            ),
            **(extra_env or {}),
        }

    @property
    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def start(self, timeout: float = 90.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        modules = {name: f"services.{name}" for name, _port in DEFAULT_PORTS} | {
            STANDIN: "services.notification.standin"
        }
        for name, module in modules.items():
            with open(self.data_dir / f"{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", module], env=self.env, stdout=log, stderr=subprocess.STDOUT
                )
        pending = dict(self.urls)
        deadline = time.monotonic() + timeout
        while pending:
            for name, url in list(pending.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {self.processes[name].returncode}: {self.log(name)[-2000:]}"
                    )
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy after {timeout:.0f} s: {', '.join(pending)}")
            time.sleep(0.2)

    def stop(self, grace: float = 20.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Platform:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
