"""End-to-end fixtures: the services in-process (ASGI) or as real OS processes, on either bus."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from harness.factories import organizer_headers
from harness.tansu import TansuBroker
from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings


@dataclass
class Platform:
    """Registration and analytics running in this process, with HTTP clients on each."""

    registration: httpx.AsyncClient
    analytics: httpx.AsyncClient
    registration_app: FastAPI
    analytics_app: FastAPI
    bus_url: str


@pytest.fixture(params=["embedded", "kafka"])
def bus_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh bus for one test: an embedded log file, or a tansu broker of its own."""
    if request.param == "embedded":
        yield f"embedded:{tmp_path / 'bus.db'}"
        return
    with TansuBroker(log_dir=tmp_path) as broker:
        yield f"kafka://{broker.bootstrap}"


def settings_env(tmp_path: Path, bus_url: str) -> dict[str, object]:
    return {
        "data_dir": tmp_path,
        "bus_url": bus_url,
        "environment": "test",
        "kafka_fetch_max_wait_ms": 10,
        "topic_partitions": 3,
    }


@pytest.fixture
async def platform(tmp_path: Path, bus_url: str) -> AsyncIterator[Platform]:
    options = settings_env(tmp_path, bus_url)
    registration = registration_app(build_registration(RegistrationSettings(**options)))  # type: ignore[arg-type]
    analytics = analytics_app(analytics_build(AnalyticsSettings(**options)))  # type: ignore[arg-type]
    async with AsyncExitStack() as stack:
        for app in (registration, analytics):
            await stack.enter_async_context(app.router.lifespan_context(app))
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri")
            )
            for app in (registration, analytics)
        ]
        clients[0].headers.update(await organizer_headers(registration.state.container))
        yield Platform(clients[0], clients[1], registration, analytics, bus_url)
