"""The server side of the registration benchmark: the real registration app plus the ceiling route,
run as an OS process on SQLite or on a durable PostgreSQL.

``python -m bench.registration_server`` builds ``services.registration.bootstrap.create_app`` from the
``KEPURI_*`` environment, exactly as ``python -m services.registration`` (what ``kepuri up`` starts)
does, adds one route, and serves it as the service serves itself: one process with
``shared.runtime.serve.serve`` (uvicorn, uvloop and httptools when installed, no access log), or, with
``--role api --workers N``, through the service's own ``shared.runtime.serve.main`` (process roles),
which imports :func:`app_factory` in each of N uvicorn workers. The added route is what the benchmark
compares the write path with:

``POST /bench/ceiling`` takes the same ``ActivityIn`` body and the same bearer-token dependency
(``OrganizerDep``: the token's Ed25519 signature verified, the organizer role required) as
``POST /api/v1/activities``, and answers 201 with a small JSON body without touching the database.
It passes through the same middleware, so the two differ only in what happens after validation:
the campaign lookup, the domain decision, the events, the group-commit writer and the response.

With ``--profile PATH`` the event loop's thread runs under ``cProfile`` and the stats are written to
PATH when the server stops (the SQLite driver's threads are not profiled; their time shows as waiting).

:class:`Server` starts that process (or the api and background roles) from the benchmark, from this
checkout or from a baseline's (``bench.baseline``), and can serve the api role with granian instead of
uvicorn (the same :func:`app_factory`; granian is not a dependency, see bench/README.md);
:func:`database` gives it a fresh database.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from harness.launcher import Process, launch, stop_all, wait_healthy
from harness.ports import free_port
from harness.postgres import EmbeddedPostgres, create_database
from services.registration.api.schemas import ActivityIn
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app
from services.registration.settings import RegistrationSettings
from shared.runtime import serve as serving
from shared.web.auth import OrganizerDep

from .baseline import SUBJECT, Tree
from .common import tree_cpu_seconds

CEILING_PATH = "/bench/ceiling"
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# How long a start may take: spawning N workers and the background role, each importing the app and
# migrating in turn, took 20-95 s on the shared 2-core machine at a load average of 18
READY_S = 300.0
Launch = tuple[
    list[str], dict[str, str], Path
]  # a process to start: command, environment, log file  # prometheus_client's: where the workers' metrics meet


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
async def database(
    backend: str, root: Path, names: Sequence[str] = ("registration",)
) -> AsyncIterator[tuple[dict[str, str], dict[str, int]]]:
    """The URLs of fresh registration databases on ``backend`` (sqlite, postgres), one per name (the
    subject's and the baseline's), and the pids of the database server's processes (none for SQLite),
    whose CPU the benchmark counts. On PostgreSQL they are databases of one server."""
    if backend == "sqlite":
        yield {name: f"sqlite+aiosqlite:///{root / 'sqlite' / name / 'registration.db'}" for name in names}, {}
        return
    server = DurablePostgres()
    try:
        server.start()
        assert server._process is not None
        urls = {name: await create_database(server, f"kepuri_bench_{k}") for k, name in enumerate(names)}
        yield urls, {"postgres": server._process.pid}
    finally:
        server.remove()


class Server:
    """The registration server of ``tree`` on a free port, configured through ``KEPURI_*``; the bus is an
    embedded log in ``data_dir``.

    With ``workers`` 1 it is one process, ``python -m bench.registration_server`` in the role ``all``
    (what f0b11fe ran). With more it is laid out as ``kepuri up`` lays it out with process roles: the
    api role with ``workers`` worker processes (this module with ``--role api --workers N``, so that
    the ceiling route is served by the same workers) and ``python -m services.registration --role
    background`` beside it on its own port. ``env`` adds settings (e.g. the directory's rate limit).
    """

    def __init__(
        self,
        data_dir: Path,
        database_url: str,
        profile: Path | None = None,
        *,
        tree: Tree = SUBJECT,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        asgi: str = "uvicorn",
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = RegistrationSettings(
            data_dir=data_dir, database_url=database_url, bus_url=f"embedded:{data_dir / 'bus.db'}", port=free_port()
        )
        self.url = f"http://127.0.0.1:{self.settings.port}"
        self.log_path = data_dir / "registration.log"
        self.profile = profile
        self.tree = tree
        self.workers = workers
        self.extra_env = dict(env or {})
        self.asgi = asgi
        self.processes: dict[str, Process] = {}

    @property
    def pid(self) -> int:
        """The api (or only) process: its uvicorn supervisor when it has workers."""
        return self.processes["registration"].pid

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far of each process of the server, its worker processes included."""
        return {name: tree_cpu_seconds(process.pid) for name, process in self.processes.items()}

    def env(self) -> dict[str, str]:
        """The environment every process of the server gets (the tree's, the settings, ``env``)."""
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
        env |= {"KEPURI_DATA_DIR": str(s.data_dir), "KEPURI_BUS_URL": s.bus_url}
        env |= {"KEPURI_REGISTRATION_PORT": str(s.port), "KEPURI_REGISTRATION_DATABASE_URL": s.database_url}
        return self.tree.env(env | self.extra_env)

    def prepare(self) -> str:
        """Before the first start: the open campaign and first organizer written by the tree's own code
        (its schema, its factories); that organizer's bearer token."""
        code = (
            "import asyncio\nfrom bench.workload import prepare_database\n"
            "from services.registration.settings import RegistrationSettings\n"
            "print(asyncio.run(prepare_database(RegistrationSettings())))"
        )
        return self.tree.run(code, self.env()).split()[-1]

    def plan(self) -> tuple[dict[str, Launch], dict[str, str]]:
        """What :meth:`running` starts, in order (name: command, environment, log), and each one's
        readiness URL: the tree's server alone, or its background role and its api role's workers."""
        env, args = self.env(), ["--profile", str(self.profile)] if self.profile else []
        launches, health = {}, {"registration": f"{self.url}/readyz"}
        if self.workers > 1:
            background = free_port()
            env["KEPURI_REGISTRATION_BACKGROUND_PORT"] = str(background)
            args += ["--role", "api", "--workers", str(self.workers)]
            launches["background"] = (
                self.tree.command("services.registration", "--role", "background"), dict(env),
                self.log_path.with_name("registration-background.log"),
            )  # fmt: skip
            health["background"] = f"http://127.0.0.1:{background}/readyz"
        if self.asgi == "granian":
            api = self.tree.command("granian", *granian_options(self.settings, self.workers))
            if self.workers > 1:  # what shared.runtime.serve.main sets up for uvicorn's workers
                metrics = self.settings.data_dir / f"metrics-{len(list(self.settings.data_dir.glob('metrics-*')))}"
                env |= {"KEPURI_ROLE": "api", "KEPURI_WORKERS": str(self.workers), MULTIPROCESS_DIR: str(metrics)}
        else:
            api = self.tree.command("bench.registration_server", *args)
        launches["registration"] = (api, env, self.log_path)
        return launches, health

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        """Start the server, wait until ``/readyz`` of each process answers, and stop it (SIGTERM, graceful) after."""
        launches, health = self.plan()
        try:
            for name, (command, env, log) in launches.items():
                if MULTIPROCESS_DIR in env:
                    Path(env[MULTIPROCESS_DIR]).mkdir()
                self.processes[name] = launch(command, env, log)
            if failed := wait_healthy(health, self.processes, timeout=READY_S, interval=0.2):
                logs = "\n".join(p.read_text(errors="replace")[-4000:] for p in self.log_path.parent.glob("*.log"))
                raise RuntimeError(
                    f"the registration server ({self.tree.label}: {failed}) did not become ready:\n{logs}"
                )
            yield self
        finally:
            stop_all(self.processes, grace=60.0)
            self.processes = {}


def granian_options(settings: RegistrationSettings, workers: int) -> list[str]:
    """``granian`` serving :func:`app_factory` as ``uvicorn_options`` has uvicorn serve it: the address,
    ASGI, HTTP/1.1 (what wrk and the proxy speak), uvloop, keep-alive; no access log, no websockets."""
    return [
        "--interface", "asgi", "--factory", "--host", settings.host, "--port", str(settings.port),
        "--workers", str(workers), "--http", "1", "--no-ws", "--loop", "uvloop", "--log-level", "warning",
        "bench.registration_server:app_factory",
    ]  # fmt: skip


def default_workers(asked: int) -> int:
    """The API worker processes a benchmark's subject runs: as asked, else one per core as ``kepuri up``
    does."""
    return asked or os.cpu_count() or 1


def app_factory() -> FastAPI:
    """The app of one worker: ``create_app`` from the ``KEPURI_*`` environment plus the ceiling route
    (uvicorn's app factory, imported and called in each worker process)."""
    app = create_app(build_registration(RegistrationSettings()))
    app.include_router(ceiling_router())
    app.state.owns_process = True  # as serve() marks it: the app is its process's only one
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", help="write cProfile stats of the event loop's thread to this file")
    parser.add_argument("--role", choices=("all", "api", "background"), help="the process role (as the service's)")
    parser.add_argument("--workers", type=int, help="API worker processes on one port (role api)")
    args = parser.parse_args()
    if args.role or args.workers:
        if args.profile:
            raise SystemExit("--profile serves one process (role all)")
        # by its module's name, not __main__'s: uvicorn imports it again in each worker
        factory = importlib.import_module("bench.registration_server").app_factory
        serving.main(RegistrationSettings, factory, [*(["--role", args.role] if args.role else []),
                                                  *(["--workers", str(args.workers)] if args.workers else [])])  # fmt: skip
        return
    settings = RegistrationSettings()
    if not args.profile:
        serving.serve(app_factory(), settings)
        return
    # uvicorn re-raises the SIGTERM it shut down on once it has finished; exit normally then, so
    # that the stats are written
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        serving.serve(app_factory(), settings)
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
