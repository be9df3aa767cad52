"""Analytics' composition root: settings, backbone with its projections, API."""

from __future__ import annotations

from fastapi import FastAPI

from shared.consumer.projection import Projection
from shared.runtime import Backbone, create_service_app

from .adapters.tables import metadata
from .api.routes import stats, views
from .container import Analytics
from .exports.routes import router as exports_router
from .projections.counters import CountersProjection
from .projections.facts import FactsProjection
from .projections.overview import OverviewProjection
from .settings import AnalyticsSettings

MIGRATIONS = "services.analytics:migrations"


def build(settings: AnalyticsSettings) -> Analytics:
    projections: list[Projection] = [OverviewProjection(), FactsProjection(), CountersProjection()]
    return Analytics(Backbone(settings, metadata, MIGRATIONS, projections=projections))


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics API; its consumers start with the app."""
    analytics = build(settings or AnalyticsSettings())
    return create_service_app(
        backbone=analytics.backbone,
        container=analytics,
        title="Kepuri analytics",
        description="Live statistics built from the event streams.",
        routers=[stats.router, views.router, exports_router],
    )
