"""Analytics' composition root: settings, backbone with its projections, API."""

from __future__ import annotations

from fastapi import FastAPI

from shared.runtime import Backbone, create_service_app

from .adapters.tables import metadata
from .api.routes import stats
from .container import Analytics
from .projections.overview import OverviewProjection
from .settings import AnalyticsSettings

MIGRATIONS = "services.analytics:migrations"


def build(settings: AnalyticsSettings) -> Analytics:
    return Analytics(Backbone(settings, metadata, MIGRATIONS, projections=[OverviewProjection()]))


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics API; its consumers start with the app."""
    analytics = build(settings or AnalyticsSettings())
    return create_service_app(
        backbone=analytics.backbone,
        container=analytics,
        title="Kepuri analytics",
        description="Live statistics built from the event streams.",
        routers=[stats.router],
    )
