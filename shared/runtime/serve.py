"""Serve a service's app with uvicorn; SIGTERM and Ctrl-C shut it down gracefully.

:func:`main` is ``python -m services.<name> [--role all|api|background] [--workers N]``: the flags
become ``KEPURI_ROLE`` and ``KEPURI_WORKERS`` (so every worker process reads the same settings), and
uvicorn imports the service's app factory (``bootstrap.app_from_environment``) in each worker, so each
builds its own container: nothing is shared between workers but the listening socket. With several
workers, Prometheus' multiprocess mode gathers their metrics in a fresh directory, removed at exit,
so ``/metrics`` of any worker covers all of them (:mod:`shared.observability.metrics`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import uvicorn
from fastapi import FastAPI

from ..config import ServiceSettings
from ..observability.metrics import MULTIPROCESS_DIR


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """How uvicorn serves a service: its address (the background role's own port), no access log,
    keep-alive, shutdown patience and which proxies may name the client (``KEPURI_TRUSTED_PROXIES``)."""
    return {
        "host": settings.host,
        "port": settings.listen_port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 15,
        "timeout_keep_alive": settings.http_keep_alive_s,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run ``app`` on the settings' host and port until a signal stops it (one process).

    The app is the process's only one, so its startup may freeze the heap it built (see ``app.py``).
    """
    uvicorn.run(process_app(app), **uvicorn_options(settings))


def process_app(app: FastAPI) -> FastAPI:
    """Mark ``app`` as its process's only app (an app factory's answer; see ``app.py``'s ``gc.freeze``)."""
    app.state.owns_process = True
    return app


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``--role`` and ``--workers`` of ``python -m services.<name>``; unset, the settings decide."""
    parser = argparse.ArgumentParser(description="Serve a Kepuri service.")
    parser.add_argument(
        "--role",
        choices=("all", "api", "background"),
        help="all: API and background work in one process (default); api: the HTTP API only; "
        "background: relay, consumers and workers, with /healthz, /readyz and /metrics on the background port",
    )
    parser.add_argument("--workers", type=int, help="API worker processes on one port (role api only)")
    return parser.parse_args(argv)


def main(
    settings_type: type[ServiceSettings], factory: Callable[[], FastAPI], argv: Sequence[str] | None = None
) -> None:
    """Serve the service whose settings are ``settings_type`` and whose app ``factory`` builds (a
    module-level function of its ``bootstrap``), in the role and with the workers the command line
    or the settings give."""
    args = arguments(argv)
    if args.role:
        os.environ["KEPURI_ROLE"] = args.role
    if args.workers is not None:
        os.environ["KEPURI_WORKERS"] = str(args.workers)
    settings = settings_type()  # refuses a bad combination (several workers outside the api role) here
    target = f"{factory.__module__}:{factory.__qualname__}"
    if settings.workers == 1:
        serve(factory(), settings)
        return
    with _multiprocess_metrics(settings.service):
        uvicorn.run(target, factory=True, workers=settings.workers, **uvicorn_options(settings))


@contextlib.contextmanager
def _multiprocess_metrics(service: str) -> Iterator[None]:
    """A fresh directory for the workers' metrics (Prometheus' multiprocess mode), removed at exit.

    Fresh at every start: files of an earlier run would add its counts to this one's."""
    directory = tempfile.mkdtemp(prefix=f"kepuri-{service}-metrics-")
    os.environ[MULTIPROCESS_DIR] = directory
    try:
        yield
    finally:
        os.environ.pop(MULTIPROCESS_DIR, None)
        shutil.rmtree(directory, ignore_errors=True)
