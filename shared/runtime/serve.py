"""Serve a service's app with uvicorn; SIGTERM and Ctrl-C shut it down gracefully."""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI

from ..config import ServiceSettings


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """How uvicorn serves a service: its address, no access log, keep-alive, shutdown patience
    and which proxies may name the client (``KEPURI_TRUSTED_PROXIES``)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 15,
        "timeout_keep_alive": settings.http_keep_alive_s,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run ``app`` on the settings' host and port until a signal stops it.

    The app is the process's only one, so its startup may freeze the heap it built (see ``app.py``).
    """
    app.state.owns_process = True
    uvicorn.run(app, **uvicorn_options(settings))
