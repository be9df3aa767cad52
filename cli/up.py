"""``kepuri up``: the whole platform on one machine, each service its own process, on one origin.

Caddy (:mod:`harness.proxy`) serves the built site and the services' public APIs on one URL,
``http://127.0.0.1:8000`` (``KEPURI_SITE_PORT``), printed first; the services keep their own ports
(their API docs, health and metrics are there, not on the one origin).

All four services share one data directory: one SQLite database each and the embedded log
``bus.db``. Every URL one process uses to reach another (the key set tokens are checked against,
the SMS provider and its callbacks, the metrics the dashboard reads) is derived from the ports this
``up`` gives them (``KEPURI_<SERVICE>_PORT``), so a platform on other ports never talks to one on
the default ports (:mod:`harness.platform` derives them; :mod:`harness.launcher` starts, waits on
and stops the processes, as it does for the tests and the simulation). Unless a real SMS provider is configured (``KEPURI_NOTIFICATION_SMS_BASE_URL``), the
stand-in provider runs beside them (``KEPURI_SMS_STANDIN_PORT``, 8013) and notification sends to it.
Ctrl-C or SIGTERM stops them gracefully; running it again keeps every record.

``--workers N`` (default: one per core) runs each service as two processes (docs/architecture.md,
"Process roles"): its API as N worker processes on the service's port (where Caddy sends the public
API) and its background work (relay, consumers, workers) on ``KEPURI_<SERVICE>_BACKGROUND_PORT``
(8101-8104); ``--workers 1`` runs each service as one process doing both, as before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from pydantic_settings import BaseSettings

from harness.launcher import stop_all, wait_healthy
from harness.platform import (
    BACKGROUND,
    STANDIN,
    background_ports,
    health_urls,
    process_environments,
    service_ports,
    start_processes,
)
from harness.proxy import PROXY, SITE_ROOT, proxy_environment, site_port, start_proxy, wait_for_proxy
from shared.config import ServiceSettings
from shared.config import docs_served as docs_setting

from .site import PROJECT_ROOT, SiteError, build_site


class _DocsSettings(BaseSettings):
    """The two values every service decides its API docs by, read as the services read them."""

    model_config = ServiceSettings.model_config
    environment: str = "development"
    api_docs: bool | None = None


def docs_served() -> bool:
    """Whether the services this ``up`` starts serve ``/docs`` (``KEPURI_API_DOCS``; unset: not in
    production), from the environment and ``.env`` file the services read."""
    settings = _DocsSettings()
    return docs_setting(settings.environment, settings.api_docs)


def addresses(ports: list[tuple[str, int]], host: str, *, docs: bool) -> list[str]:
    """A line per process with its address, and the link to its API docs when they are served (the
    SMS stand-in and the background processes have none: theirs are health and metrics)."""
    lines = []
    width = max([13, *(len(name) for name, _port in ports)])
    for name, port in ports:
        link = f"   (API docs: http://{host}:{port}/docs)" if docs and name != STANDIN else ""
        if name.endswith(BACKGROUND):
            link = f"   (health: http://{host}:{port}/readyz, metrics: /metrics)"
        lines.append(f"  {name:<{width}} http://{host}:{port}{link}")
    return lines


def default_workers() -> int:
    """``--workers`` unset: one API worker per core (the background process shares them)."""
    return max(1, os.cpu_count() or 1)


def run_platform(data_dir: Path | None, host: str | None, workers: int | None = None) -> int:
    """Start the services, print their URLs, and supervise them until a signal or a crash."""
    workers = workers or default_workers()
    directory = (data_dir or Path(os.environ.get("KEPURI_DATA_DIR", "data"))).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KEPURI_DATA_DIR": str(directory)}
    if host:
        env["KEPURI_HOST"] = host
    shown_host = host if host and host != "0.0.0.0" else "127.0.0.1"
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        build_site(PROJECT_ROOT)
    except SiteError as exc:  # the API still runs; the terminal says why there is no site
        print(f"kepuri: the site could not be built: {exc}", file=sys.stderr, flush=True)
    roles = "one process per service" if workers == 1 else f"{workers} API workers and a background process"
    print(f"kepuri: starting the platform with data in {directory} ({roles} per service)", flush=True)
    ports = service_ports(env)
    environments = process_environments(env, ports, shown_host, workers=workers)
    if workers > 1:
        ports += background_ports(env)
    if STANDIN in environments:
        ports.append((STANDIN, int(environments[STANDIN]["KEPURI_SMS_STANDIN_PORT"])))
    processes = start_processes(environments, new_session=True)
    try:
        late = wait_healthy(health_urls(ports, shown_host), processes, timeout=120.0, interval=0.2)
        if late:
            print(f"kepuri: {', '.join(late)} did not start; stopping", file=sys.stderr, flush=True)
            return 1
        site = f"http://{shown_host}:{site_port(env)}"
        try:
            processes[PROXY] = _start_site(env, ports, shown_host, directory)
        except FileNotFoundError as exc:
            print(f"kepuri: {exc}; stopping", file=sys.stderr, flush=True)
            return 1
        if not wait_for_proxy(site, processes[PROXY]):
            log = directory / "caddy.log"
            print(f"kepuri: the site proxy did not start; stopping\n{_tail(log)}", file=sys.stderr, flush=True)
            return 1
        print(f"Kepuri: {site}", flush=True)
        print(f"  operations dashboard {site}/dashboard", flush=True)
        if not (SITE_ROOT / "index.html").is_file():
            print(
                f"kepuri: the site is not built ({SITE_ROOT} is missing): {site}/api/v1/... still answers", flush=True
            )
        for line in addresses(ports, shown_host, docs=docs_served()):
            print(line, flush=True)
        print(f"kepuri: running on {site}; press Ctrl-C to stop", flush=True)
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"kepuri: {name} exited with {process.returncode}; stopping", file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.2)
        print("kepuri: stopping", flush=True)
        return 0
    finally:
        stop_all(processes)
        print("kepuri: stopped", flush=True)


def _tail(log: Path, lines: int = 5) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.is_file() else ""


def _start_site(
    env: dict[str, str], ports: list[tuple[str, int]], host: str, directory: Path
) -> subprocess.Popen[bytes]:
    """Caddy on the site port, listening where the services do, in front of the four services."""
    services = {name: f"{host}:{port}" for name, port in ports if name != STANDIN and not name.endswith(BACKGROUND)}
    listen = env.get("KEPURI_HOST", "127.0.0.1")
    environment = proxy_environment(
        env,
        services,
        port=site_port(env),
        bind="" if listen in ("0.0.0.0", "::") else listen,
        site_root=SITE_ROOT,
        state_dir=directory / "caddy",
    )
    return start_proxy(environment, directory / "caddy.log")
