"""Every service answers /healthz, /readyz, /metrics and publishes its OpenAPI document; errors
everywhere are problem+json; the correlation id travels from the request into the event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from harness.factories import organizer_headers
from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification_app
from services.notification.settings import NotificationSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration
from services.registration.settings import RegistrationSettings
from services.review.bootstrap import build as review_build
from services.review.bootstrap import create_app as review_app
from services.review.settings import ReviewSettings
from shared.events.codec import from_record
from shared.events.topics import ACTIVITIES
from tests.e2e.test_failures import read_topic
from tests.e2e.test_walking_skeleton import activity

FACTORIES = {
    "registration": (lambda settings: registration(build_registration(settings)), RegistrationSettings),
    "review": (lambda settings: review_app(review_build(settings)), ReviewSettings),
    "notification": (lambda settings: notification_app(build_notification(settings)), NotificationSettings),
    "analytics": (lambda settings: analytics_app(analytics_build(settings)), AnalyticsSettings),
}


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    options = {"data_dir": tmp_path, "environment": "test"}
    async with AsyncExitStack() as stack:
        result = {}
        for name, (create, settings) in FACTORIES.items():
            app: FastAPI = create(settings(**options))  # type: ignore[operator]
            await stack.enter_async_context(app.router.lifespan_context(app))
            result[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri")
            )
            if name == "registration":
                result[name].headers.update(await organizer_headers(app.state.container))
        yield result


async def test_every_service_has_health_readiness_metrics_and_openapi(clients: dict[str, httpx.AsyncClient]) -> None:
    for name, client in clients.items():
        assert (await client.get("/healthz")).json() == {"status": "ok"}, name
        ready = (await client.get("/readyz")).json()
        assert ready == {"status": "ready", "checks": {"database": "ok", "bus": "ok"}}, name
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and "kepuri_http_requests_total" in metrics.text, name
        assert f'service="{name}"' in metrics.text
        openapi = (await client.get("/openapi.json")).json()
        assert openapi["info"]["title"] == f"Kepuri {name}"
        missing = await client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json", name


async def test_the_correlation_id_travels_from_the_request_into_the_event(
    clients: dict[str, httpx.AsyncClient], tmp_path: Path
) -> None:
    response = await clients["registration"].post(
        "/api/v1/activities", json=activity("610502"), headers={"X-Correlation-ID": "req-2026-0915"}
    )
    assert response.status_code == 201 and response.headers["x-correlation-id"] == "req-2026-0915"
    [record] = await read_topic(f"embedded:{tmp_path / 'bus.db'}", ACTIVITIES.name, expected=1)
    assert from_record(record).correlationid == "req-2026-0915"
