"""Running analytics from another source tree (``--tree PATH``): a worktree of an earlier commit, e.g.
``git worktree add --detach /tmp/kepuri-f0b11fe f0b11fe``, measured in the same run as this tree.

The other tree's code runs in its own processes, with that tree as their working directory and first
on ``PYTHONPATH`` (``python -m`` puts the working directory first on ``sys.path``), so its
``services`` and ``shared`` are the ones imported; this bench's own code (the workload, the
measuring) stays this tree's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from harness.processes import ServiceProcess
from shared.events import Envelope

# a replay in the other tree: its own replay_analytics on the settings from KEPURI_*, one JSON line out
REPLAY = """
import asyncio, json
from services.analytics.replay import replay_analytics
from services.analytics.settings import AnalyticsSettings
outcome = asyncio.run(replay_analytics(AnalyticsSettings(), quiet=True, batch_size={batch}))
print("kepuri-replay " + json.dumps({{"events": outcome.events, "rate": outcome.rate}}))
"""


def portable(envelope: Envelope) -> Envelope:
    """``envelope`` with its ``dataschema`` in the relative form (``/events/<type>.v<N>.json``) that
    trees from before the absolute schema URIs expect and every later tree still decodes, so that the
    same stream is read by both trees (an absolute one is dead-lettered by f0b11fe's consumers)."""
    return envelope.model_copy(update={"dataschema": "/events/" + envelope.dataschema.rsplit("/", 1)[-1]})


def tree_option() -> tuple[str, dict[str, object]]:
    return (
        "--tree",
        {
            "type": Path,
            "default": None,
            "help": "also run analytics from this source tree (e.g. a worktree of main f0b11fe), in the same run",
        },
    )


def tree_name(tree: Path) -> str:
    return tree.resolve().name


@contextlib.contextmanager
def working_in(tree: Path | None) -> Iterator[None]:
    """This process's working directory is ``tree`` meanwhile (a child started now inherits it)."""
    if tree is None:
        yield
        return
    here = Path.cwd()
    os.chdir(tree)
    try:
        yield
    finally:
        os.chdir(here)


def service_from(tree: Path | None, name: str, data: Path, bus_url: str, **settings: str) -> ServiceProcess:
    """A :class:`ServiceProcess` of ``tree``'s code (this tree's when None); start it with :func:`start`."""
    service = ServiceProcess(name, data, bus_url, **settings)
    if tree is not None:
        service.env["PYTHONPATH"] = str(tree.resolve())
    return service


def start(service: ServiceProcess, tree: Path | None) -> None:
    with working_in(tree.resolve() if tree else None):
        service.start()


async def replay_in(tree: Path, data: Path, bus_url: str, partitions: int, batch: int) -> tuple[int, float]:
    """``replay_analytics`` of ``tree`` (an absolute path) in a process of its own on ``data``: (events, events/s)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "KEPURI_DATA_DIR": str(data),
        "KEPURI_BUS_URL": bus_url,
        "KEPURI_TOPIC_PARTITIONS": str(partitions),
        "KEPURI_ENVIRONMENT": "test",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        REPLAY.format(batch=batch),
        cwd=str(tree),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    line = next((ln for ln in out.decode().splitlines() if ln.startswith("kepuri-replay ")), None)
    if process.returncode or line is None:
        raise RuntimeError(f"the replay of {tree} failed ({process.returncode}):\n{err.decode()[-3000:]}")
    found = json.loads(line.removeprefix("kepuri-replay "))
    return int(found["events"]), float(found["rate"])
