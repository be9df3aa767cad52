"""The walking skeleton in the production combination: PostgreSQL databases (one per service) and a
Kafka-protocol broker, several concurrent clients, then a restart of both services."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import httpx

from harness.factories import organizer_headers
from harness.postgres import EmbeddedPostgres, create_database, drop_database
from harness.tansu import TansuBroker
from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings
from tests.e2e.conftest import settings_env
from tests.e2e.test_walking_skeleton import activity

PHONES = iter(f"1381234{n:04d}" for n in range(10_000))


async def _run(tmp_path: Path, bus_url: str, urls: dict[str, str], regions: list[str], total: int) -> dict[str, object]:
    """Start both services, register an activity per region, return the overview once it counts ``total``."""
    options = settings_env(tmp_path, bus_url)
    registration = registration_app(
        build_registration(RegistrationSettings(**options, database_url=urls["registration"]))
    )  # type: ignore[arg-type]
    analytics = analytics_app(analytics_build(AnalyticsSettings(**options, database_url=urls["analytics"])))  # type: ignore[arg-type]
    async with (
        registration.router.lifespan_context(registration),
        analytics.router.lifespan_context(analytics),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=registration), base_url="http://r") as r,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=analytics), base_url="http://a") as a,
    ):
        r.headers.update(await organizer_headers(registration.state.container, phone=next(PHONES)))
        responses = await asyncio.gather(*(r.post("/api/v1/activities", json=activity(code)) for code in regions))
        assert {x.status_code for x in responses} <= {201}
        async with asyncio.timeout(60):
            while True:
                overview: dict[str, object] = (await a.get("/api/v1/stats/overview")).json()
                if overview["total"] == total:
                    return overview
                await asyncio.sleep(0.05)


async def test_postgresql_and_kafka_carry_the_walking_skeleton(
    tmp_path: Path, postgres_server: EmbeddedPostgres
) -> None:
    names = {service: f"{service}_{uuid.uuid4().hex[:8]}" for service in ("registration", "analytics")}
    urls = {service: await create_database(postgres_server, name) for service, name in names.items()}
    regions = ["110101", "310104", "440103", "610502", "6105", "650102"] * 20
    try:
        with TansuBroker(log_dir=tmp_path) as broker:
            bus_url = f"kafka://{broker.bootstrap}"
            first = await _run(tmp_path, bus_url, urls, regions, total=len(regions))
            assert first["provinces"] == [
                {"code": code, "activities": n} for code, n in sorted(Counter(r[:2] for r in regions).items())
            ]
            # A restart of both services on the same databases keeps every record.
            again = await _run(tmp_path, bus_url, urls, [], total=len(regions))
            assert again == first
    finally:
        for name in names.values():
            await drop_database(postgres_server, name)
