"""Analytics' composition root: settings, backbone with its projections, API."""

from __future__ import annotations

from fastapi import FastAPI

from shared.auth import JwksVerifier
from shared.consumer.projection import Projection
from shared.runtime import Backbone, create_service_app
from shared.web.auth import Verifier

from .adapters.tables import metadata
from .api.errors import install as install_errors
from .api.routes import exports, operations_dashboard, stats, summaries, views
from .container import Analytics
from .operations_dashboard.page import install_page
from .projections.counters import CountersProjection
from .projections.facts import FactsProjection
from .projections.overview import OverviewProjection
from .projections.summaries import SummariesProjection
from .settings import AnalyticsSettings

MIGRATIONS = "services.analytics:migrations"


def build(settings: AnalyticsSettings, verifier: Verifier | None = None) -> Analytics:
    projections: list[Projection] = [
        OverviewProjection(),
        FactsProjection(),
        CountersProjection(),
        SummariesProjection(),
    ]
    backbone = Backbone(settings, metadata, MIGRATIONS, projections=projections)
    return Analytics(
        backbone, verifier or JwksVerifier(settings.jwks_url, refresh_seconds=settings.token_revocation_refresh_seconds)
    )


def create_app(settings: AnalyticsSettings | None = None, verifier: Verifier | None = None) -> FastAPI:
    """The analytics API; its consumers start with the app. ``verifier`` (for the exports that need a
    token) defaults to registration's JWKS."""
    analytics = build(settings or AnalyticsSettings(), verifier)
    app = create_service_app(
        backbone=analytics.backbone,
        container=analytics,
        title="Kepuri analytics",
        description="Live statistics built from the event streams.",
        routers=[stats.router, views.router, exports.router, operations_dashboard.router, summaries.router],
    )
    install_errors(app)
    install_page(app)  # /dashboard and its static files, outside /api/v1
    return app
