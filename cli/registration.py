"""What the operator commands share: registration's settings and its service, started for one command.

The commands go through registration's own composition root (``bootstrap.build``) and service
layer, so they write exactly what its API would: events, outbox and tables in one transaction,
after the migrations have run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

from services.registration.bootstrap import build
from services.registration.container import Registration
from services.registration.settings import RegistrationSettings


def registration_settings(data_dir: Path | None) -> RegistrationSettings:
    """Registration's settings from ``KEPURI_*``, with ``--data-dir`` (like ``kepuri up``) taking precedence."""
    settings = RegistrationSettings(data_dir=data_dir.resolve()) if data_dir else RegistrationSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def describe_database(settings: RegistrationSettings) -> str:
    """The database URL without its password, to say where a command wrote."""
    return make_url(settings.database_url).render_as_string(hide_password=True)


@contextlib.asynccontextmanager
async def started(settings: RegistrationSettings) -> AsyncIterator[Registration]:
    """Registration's container with its backbone started (migrations, writer, relay); stopped on the way out."""
    registration = build(settings)
    # A command writes and leaves: registration's consumers stay with the running service, which
    # would otherwise lose its partitions to this process for the length of the command.
    registration.backbone.consumers.clear()
    await registration.backbone.start()
    try:
        yield registration
    finally:
        await registration.backbone.stop()


async def wait_for_bus(registration: Registration, seconds: float = 3.0) -> bool:
    """Whether the bus answered within ``seconds``: then stopping publishes the outbox at once."""
    try:
        await asyncio.wait_for(registration.backbone.bus_ready.wait(), seconds)
    except TimeoutError:
        return False
    return True
