"""The platform's processes: the four services and the SMS stand-in, their ports and environments.

With one worker a service is one process in the ``all`` role (API and background work, as it always
was); with ``workers`` > 1 it is two, named ``<service>`` (the ``api`` role, ``workers`` processes on the
service's port) and ``<service>-background`` (the ``background`` role: relay, consumers and workers,
health and metrics on ``KEPURI_<SERVICE>_BACKGROUND_PORT``). See docs/architecture.md, "Process roles".

:func:`process_environments` is what ``kepuri up`` (cli/up.py) gives each process; :class:`Platform`
is ``kepuri simulate --start``'s platform, the same shape as ``kepuri up``: each service ``python -m services.<name>``
with its own environment, the SMS stand-in beside notification, each on a free port so that a
simulation never collides with a ``kepuri up`` already running. The other ``KEPURI_*`` settings
are passed through (``KEPURI_BUS_URL=kafka://…`` and the database URLs select Kafka + PostgreSQL).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType

from harness.launcher import Process, launch, stop_all, wait_healthy
from harness.ports import free_port

DEFAULT_PORTS = (("registration", 8001), ("review", 8002), ("notification", 8003), ("analytics", 8004))
DEFAULT_BACKGROUND_PORTS = (("registration", 8101), ("review", 8102), ("notification", 8103), ("analytics", 8104))
STANDIN = "sms-standin"
STANDIN_PORT = 8013
BACKGROUND = "-background"  # the suffix of a service's background process's name


def service_ports(env: dict[str, str]) -> list[tuple[str, int]]:
    """Each service and its port: ``KEPURI_<SERVICE>_PORT`` if set, else the default."""
    return [(name, int(env.get(f"KEPURI_{name.upper()}_PORT", port))) for name, port in DEFAULT_PORTS]


def background_ports(env: dict[str, str]) -> list[tuple[str, int]]:
    """Each service's background process (``<service>-background``) and its port:
    ``KEPURI_<SERVICE>_BACKGROUND_PORT`` if set, else the default (8101-8104)."""
    return [
        (f"{name}{BACKGROUND}", int(env.get(f"KEPURI_{name.upper()}_BACKGROUND_PORT", port)))
        for name, port in DEFAULT_BACKGROUND_PORTS
    ]


def process_environments(
    env: dict[str, str], ports: list[tuple[str, int]], host: str, *, workers: int = 1
) -> dict[str, dict[str, str]]:
    """The environment of each process ``up`` starts, with every internal URL derived from ``ports``.

    The services reach each other at ``host`` (where they listen) on the ports this ``up`` gives
    them: review, notification and analytics verify tokens against registration's key set, notification
    sends SMS to the stand-in (unless a provider is configured) and the stand-in calls notification
    back, analytics reads the other services' metrics. A URL set explicitly in ``env`` is kept.

    ``workers`` > 1 splits each service into its api process (``workers`` workers) and its background
    process (on its port in :func:`background_ports`), whose metrics the dashboard reads.
    """
    port = dict(ports)
    base = {name: f"http://{host}:{port[name]}" for name in port}
    role = {"KEPURI_ROLE": "all", "KEPURI_WORKERS": "1"} if workers == 1 else {}
    environments = {name: {**env, **role} for name in port}
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
    # the dashboard's operations table covers every service's consumers
    peers = ",".join(f"{base[name]}/metrics" for name in port if name != "analytics")
    if workers > 1:
        peers = ",".join(f"http://{host}:{number}/metrics" for _name, number in background_ports(env))
    environments["analytics"].setdefault("KEPURI_ANALYTICS_PEERS_METRICS", peers)
    if workers > 1:
        for name in port:
            background = {**environments[name], "KEPURI_ROLE": "background", "KEPURI_WORKERS": "1"}
            environments[f"{name}{BACKGROUND}"] = background
            environments[name] |= {"KEPURI_ROLE": "api", "KEPURI_WORKERS": str(workers)}
    return environments


MODULES = (
    {name: f"services.{name}" for name, _port in DEFAULT_PORTS}
    | {f"{name}{BACKGROUND}": f"services.{name}" for name, _port in DEFAULT_PORTS}
    | {STANDIN: "services.notification.standin"}
)
# what process_environments derives from the ports: an outer platform's values must not leak in
DERIVED = (
    "KEPURI_REVIEW_JWKS_URL",
    "KEPURI_NOTIFICATION_JWKS_URL",
    "KEPURI_ANALYTICS_JWKS_URL",
    "KEPURI_NOTIFICATION_SMS_BASE_URL",
    "KEPURI_ANALYTICS_PEERS_METRICS",
)


def start_processes(
    environments: dict[str, dict[str, str]], log_dir: Path | None = None, *, new_session: bool = False
) -> dict[str, Process]:
    """``python -m <module>`` for each process of ``environments`` (:func:`process_environments`), its
    output in ``log_dir/<name>.log`` (inherited when None)."""
    return {
        name: launch(
            [sys.executable, "-m", MODULES[name]],
            env,
            log_dir / f"{name}.log" if log_dir else None,
            new_session=new_session,
        )
        for name, env in environments.items()
    }


def health_urls(ports: list[tuple[str, int]], host: str) -> dict[str, str]:
    """Each process's ``/healthz`` at ``host``."""
    return {name: f"http://{host}:{port}/healthz" for name, port in ports}


class Platform:
    """The platform on free ports in ``data_dir``, each process's output in ``<name>.log`` there: it
    starts on ``__enter__`` (waiting until every process is healthy) and stops gracefully on exit.

    Every process gets ``os.environ`` (less the URLs derived from the ports) and ``extra_env``.
    ``workers`` is ``kepuri up --workers``: 1 (the default, what the tests use) runs each service as
    one process in the ``all`` role; more runs its api role with that many workers and its background
    role beside it (``<service>-background`` in :attr:`ports`, :attr:`urls` and :attr:`processes`)."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None, *, workers: int = 1) -> None:
        self.data_dir = data_dir
        self.ports = {name: free_port() for name, _port in DEFAULT_PORTS} | {STANDIN: free_port()}
        services = [(name, port) for name, port in self.ports.items() if name != STANDIN]
        env = {k: v for k, v in os.environ.items() if k not in DERIVED}
        env |= {"KEPURI_DATA_DIR": str(data_dir), "KEPURI_SMS_STANDIN_PORT": str(self.ports[STANDIN])}
        env |= {f"KEPURI_{name.upper()}_PORT": str(port) for name, port in services}
        if workers > 1:
            env |= {f"KEPURI_{name.upper()}_BACKGROUND_PORT": str(free_port()) for name, _port in services}
            self.ports |= dict(background_ports(env))
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.processes: dict[str, Process] = {}
        self.environments = {
            name: {**environment, **(extra_env or {})}
            for name, environment in process_environments(env, services, "127.0.0.1", workers=workers).items()
        }

    @property
    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def start(self, timeout: float = 90.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.processes = start_processes(self.environments, self.data_dir)
        late = wait_healthy(health_urls(list(self.ports.items()), "127.0.0.1"), self.processes, timeout, 0.2)
        for name in late:
            if (code := self.processes[name].poll()) is not None:
                raise RuntimeError(f"{name} exited with {code}: {self.log(name)[-2000:]}")
        if late:
            raise RuntimeError(f"not healthy after {timeout:.0f} s: {', '.join(late)}")

    def stop(self, grace: float = 20.0) -> None:
        stop_all(self.processes, grace)

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
