"""The server side of the registration benchmark: the real registration app plus the ceiling route,
run as an OS process on SQLite or on a durable PostgreSQL.

``python -m bench.registration_server`` builds ``services.registration.bootstrap.create_app`` from the
``KEPURI_*`` environment, exactly as ``python -m services.registration`` (what ``kepuri up`` starts)
does, adds one route, and serves it with the same ``shared.runtime.serve.serve`` (uvicorn, one worker,
uvloop and httptools when installed, no access log). The added route is what the benchmark compares
the write path with:

``POST /bench/ceiling`` takes the same ``ActivityIn`` body and the same bearer-token dependency
(``OrganizerDep``: the token's Ed25519 signature verified, the organizer role required) as
``POST /api/v1/activities``, and answers 201 with a small JSON body without touching the database.
It passes through the same middleware, so the two differ only in what happens after validation:
the campaign lookup, the domain decision, the events, the group-commit writer and the response.

With ``--profile PATH`` the event loop's thread runs under ``cProfile`` and the stats are written to
PATH when the server stops (the SQLite driver's threads are not profiled; their time shows as waiting).

:class:`Server` starts that process from the benchmark; :func:`database` gives it a fresh database.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from harness.launcher import Process, launch, stop_all, wait_healthy
from harness.ports import free_port
from harness.postgres import EmbeddedPostgres, create_database
from services.registration.api.schemas import ActivityIn
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app
from services.registration.settings import RegistrationSettings
from shared.runtime.serve import serve
from shared.web.auth import OrganizerDep

CEILING_PATH = "/bench/ceiling"


def ceiling_router() -> APIRouter:
    """``POST /bench/ceiling``: authenticate and validate like a registration, then answer 201 at once."""
    router = APIRouter(tags=["benchmark"])

    @router.post(CEILING_PATH, status_code=201)
    async def ceiling(body: ActivityIn, organizer: OrganizerDep) -> JSONResponse:
        return JSONResponse({"accepted": body.name, "unit_id": organizer.unit_id}, status_code=201)

    return router


class DurablePostgres(EmbeddedPostgres):
    """The tests' embedded server, with the durability settings they turn off turned back on."""

    def _command(self) -> list[str]:
        durable = ("fsync=on", "synchronous_commit=on", "full_page_writes=on")
        return [*super()._command(), *(arg for setting in durable for arg in ("-c", setting))]


@contextlib.asynccontextmanager
async def database(backend: str, root: Path) -> AsyncIterator[tuple[str, dict[str, int]]]:
    """The URL of a fresh registration database on ``backend`` (sqlite, postgres) and the pids of the
    database server's processes (none for SQLite), whose CPU the benchmark counts."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{root / 'sqlite' / 'registration.db'}", {}
        return
    server = DurablePostgres()
    try:
        server.start()
        assert server._process is not None
        yield await create_database(server, "kepuri_bench"), {"postgres": server._process.pid}
    finally:
        server.remove()


class Server:
    """``python -m bench.registration_server`` on a free port, configured through ``KEPURI_*``; the
    bus is an embedded log in ``data_dir``."""

    def __init__(self, data_dir: Path, database_url: str, profile: Path | None = None) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = RegistrationSettings(
            data_dir=data_dir, database_url=database_url, bus_url=f"embedded:{data_dir / 'bus.db'}", port=free_port()
        )
        self.url = f"http://127.0.0.1:{self.settings.port}"
        self.log_path = data_dir / "registration.log"
        self.profile = profile
        self.process: Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        """Start the server, wait until ``/readyz`` answers, and stop it (SIGTERM, graceful) after."""
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
        env |= {"KEPURI_DATA_DIR": str(s.data_dir), "KEPURI_BUS_URL": s.bus_url}
        env |= {"KEPURI_REGISTRATION_PORT": str(s.port), "KEPURI_REGISTRATION_DATABASE_URL": s.database_url}
        command = [sys.executable, "-m", "bench.registration_server"]
        command += ["--profile", str(self.profile)] if self.profile else []
        self.process = launch(command, env, self.log_path)
        try:
            if wait_healthy({"registration": f"{self.url}/readyz"}, {"registration": self.process}, timeout=60.0):
                raise RuntimeError(
                    f"the registration server did not become ready:\n{self.log_path.read_text(errors='replace')}"
                )
            yield self
        finally:
            stop_all({"registration": self.process}, grace=60.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", help="write cProfile stats of the event loop's thread to this file")
    args = parser.parse_args()
    settings = RegistrationSettings()
    app = create_app(build_registration(settings))
    app.include_router(ceiling_router())
    if not args.profile:
        serve(app, settings)
        return
    # uvicorn re-raises the SIGTERM it shut down on once it has finished; exit normally then, so
    # that the stats are written
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        serve(app, settings)
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
