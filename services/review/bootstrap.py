"""Review's composition root: settings, backbone with its projection, services, API."""

from __future__ import annotations

from fastapi import FastAPI

from shared.auth import JwksVerifier
from shared.privacy import KeyVault
from shared.regions import PackagedRegions
from shared.runtime import Backbone, create_service_app
from shared.web.auth import Verifier

from .adapters.local_files import LocalFiles
from .adapters.tables import metadata
from .api.errors import install as install_problems
from .api.routes import commended, content, exports, lists, recommendations, scores, summaries
from .container import Review
from .projections.activities import ReviewView
from .projections.erased_contacts import ErasedContacts
from .service.content_review import ContentReview
from .service.indicator_scores import Scores
from .service.recommendation_lists import Lists
from .service.recommending import Recommendations
from .service.summary_overview import SummaryOverview
from .service.summary_reports import Summaries
from .settings import ReviewSettings

MIGRATIONS = "services.review:migrations"


def create_app(settings: ReviewSettings | None = None, verifier: Verifier | None = None) -> FastAPI:
    """The review API; its consumer starts with the app. ``verifier`` defaults to registration's JWKS."""
    settings = settings or ReviewSettings()
    vault = KeyVault(settings.key_vault_url)  # only its matching key is read: see erasure.py
    backbone = Backbone(settings, metadata, MIGRATIONS, projections=[ReviewView(), ErasedContacts(vault)])
    reports = Summaries(
        backbone, LocalFiles(settings.data_dir / "summaries"), PackagedRegions(), settings.summary_max_file_bytes
    )
    review = Review(
        backbone=backbone,
        verifier=verifier or JwksVerifier(settings.jwks_url, refresh_seconds=settings.token_revocation_refresh_seconds),
        content=ContentReview(backbone),
        recommendations=Recommendations(backbone),
        lists=Lists(backbone.engine),
        scores=Scores(backbone.engine),
        summaries=reports,
        summary_overview=SummaryOverview(reports),
    )
    app = create_service_app(
        backbone=backbone,
        container=review,
        title="Kepuri review",
        description="Content review, the recommendation chain from county to nation, commendations and their forms.",
        routers=[
            content.router,
            recommendations.router,
            lists.router,
            exports.router,
            scores.router,
            summaries.router,
            commended.router,
        ],
        body_limits={summaries.ATTACH_PATH: settings.summary_max_file_bytes + 4096},
        workers=[vault],
    )
    install_problems(app)
    return app
