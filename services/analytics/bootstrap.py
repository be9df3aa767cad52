"""Analytics' composition root: :func:`build` wires the ports into a container, :func:`create_app` serves it.

Every port has a default made from the settings and can be handed in instead (a test's verifier, an
engine, a bus, the regions, the metrics reader, the clock), so nothing else in the service constructs one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import JwksVerifier
from shared.bus import Bus
from shared.consumer.projection import Projection
from shared.regions import PackagedRegions
from shared.runtime import Backbone, create_service_app
from shared.runtime.serve import process_app
from shared.web.auth import Verifier

from .adapters.export_rows import SqlExportRows
from .adapters.tables import metadata
from .api.errors import install as install_errors
from .api.routes import exports, operations_dashboard, overview, summaries, views
from .container import Analytics
from .operations_dashboard.hub import DashboardHub
from .operations_dashboard.limits import StreamSlots
from .operations_dashboard.operations import OperationsReader
from .operations_dashboard.page import install_page
from .projections.counters import CountersProjection
from .projections.facts import FactsProjection
from .projections.overview import OverviewProjection
from .projections.summary_reports import SummariesProjection
from .service.ports import ExportRows
from .settings import AnalyticsSettings

MIGRATIONS = "services.analytics:migrations"


def projections() -> list[Projection]:
    """Every view analytics keeps (the replay rebuilds exactly these)."""
    return [OverviewProjection(), FactsProjection(), CountersProjection(), SummariesProjection()]


def build(
    settings: AnalyticsSettings,
    *,
    verifier: Verifier | None = None,
    engine: AsyncEngine | None = None,
    bus: Bus | None = None,
    regions: PackagedRegions | None = None,
    operations: OperationsReader | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    views: Sequence[Projection] | None = None,
    export_rows: ExportRows | None = None,
) -> Analytics:
    """The analytics container: its backbone (engine, bus, the projections' consumers), the token
    verifier (registration's JWKS by default), the regions, and the dashboard's hub and stream slots."""
    backbone = Backbone(
        settings,
        metadata,
        MIGRATIONS,
        projections=list(views) if views is not None else projections(),
        engine=engine,
        bus=bus,
    )
    hub = DashboardHub(
        backbone.engine,
        operations or OperationsReader(settings.peers_metrics),
        campaigns=settings.dashboard_campaigns,
        clock=clock,
    )
    return Analytics(
        backbone=backbone,
        verifier=verifier or JwksVerifier(settings.jwks_url, refresh_seconds=settings.token_revocation_refresh_seconds),
        regions=regions or PackagedRegions(),
        dashboard=hub,
        slots=StreamSlots(settings.dashboard_streams, settings.dashboard_streams_per_client),
        export_rows=export_rows or SqlExportRows(backbone.engine),
    )


def create_app(container: Analytics) -> FastAPI:
    """The analytics API serving ``container``; its consumers start with the app."""
    app = create_service_app(
        backbone=container.backbone,
        container=container,
        title="Kepuri analytics",
        description="Live statistics built from the event streams.",
        routers=[overview.router, views.router, exports.router, operations_dashboard.router, summaries.router],
    )
    install_errors(app)
    if container.backbone.serves_api:
        install_page(app)  # /dashboard and its static files, outside /api/v1
    return app


def app_from_environment() -> FastAPI:
    """The app ``python -m services.analytics`` serves, from the environment's settings: uvicorn's app
    factory, called in each worker process, so every worker builds its own container."""
    return process_app(create_app(build(AnalyticsSettings())))
