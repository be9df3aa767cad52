"""Review's composition root: ``build`` wires every port to the service layer, ``create_app`` serves it."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import JwksVerifier
from shared.bus import Bus
from shared.privacy import KeyVault
from shared.regions import PackagedRegions
from shared.runtime import Backbone, create_service_app
from shared.runtime.serve import process_app
from shared.web.auth import Verifier

from .adapters.clock import SystemClock
from .adapters.content_reads import SqlContentReads
from .adapters.local_files import LocalFiles
from .adapters.recommendation_reads import SqlRecommendationReads
from .adapters.stores import SqlStore
from .adapters.summary_reads import SqlSummaryReads
from .adapters.tables import metadata
from .api.errors import install as install_errors
from .api.routes import commended, content, exports, lists, recommendations, scores, summaries
from .container import Review
from .projections.erased_contacts import ErasedContacts
from .projections.review_view import ReviewView
from .service.commended import Commended
from .service.content_review import ContentReview
from .service.indicator_scores import Scores
from .service.ports import AttachmentStore, Clock, Regions
from .service.recommendation_lists import Lists
from .service.recommending import Recommendations
from .service.summary_overview import SummaryOverview
from .service.summary_reports import Summaries
from .settings import ReviewSettings

MIGRATIONS = "services.review:migrations"


def build(
    settings: ReviewSettings | None = None,
    *,
    verifier: Verifier | None = None,
    keys: KeyVault | None = None,
    regions: Regions | None = None,
    attachments: AttachmentStore | None = None,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    bus: Bus | None = None,
) -> Review:
    """Review with every port given or, by default, the real one: ``verifier`` registration's JWKS,
    ``keys`` the key vault (its matching key only: see ``projections/erased_contacts.py``), ``regions``
    the packaged GB/T 2260 list, ``attachments`` files under the data directory, ``clock`` the system's,
    ``engine`` and ``bus`` those the settings name. Nothing is started: the app's lifespan does that."""
    settings = settings or ReviewSettings()
    keys = keys or KeyVault(settings.key_vault_url)
    clock = clock or SystemClock()
    backbone = Backbone(
        settings, metadata, MIGRATIONS, projections=[ReviewView(), ErasedContacts(keys)], engine=engine, bus=bus
    )
    regions = regions or PackagedRegions()
    reports = Summaries(
        SqlStore(backbone.engine, backbone.writer, SqlSummaryReads),
        attachments or LocalFiles(settings.data_dir / "summaries"),
        regions,
        settings.summary_max_file_bytes,
        clock,
    )
    return Review(
        settings=settings,
        backbone=backbone,
        verifier=verifier or JwksVerifier(settings.jwks_url, refresh_seconds=settings.token_revocation_refresh_seconds),
        vault=keys,
        clock=clock,
        content=ContentReview(SqlStore(backbone.engine, backbone.writer, SqlContentReads)),
        recommendations=Recommendations(SqlStore(backbone.engine, backbone.writer, SqlRecommendationReads), clock),
        lists=Lists(backbone.engine),
        scores=Scores(backbone.engine),
        summaries=reports,
        summary_overview=SummaryOverview(reports),
        commended=Commended(backbone.engine, regions),
    )


def create_app(review: Review) -> FastAPI:
    """The review API over the container :func:`build` made; its consumers start with the app."""
    app = create_service_app(
        backbone=review.backbone,
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
        body_limits={summaries.ATTACH_PATH: review.settings.summary_max_file_bytes + 4096},
        workers=[review.vault],
    )
    install_errors(app)
    return app


def app_from_environment() -> FastAPI:
    """The app ``python -m services.review`` serves, from the environment's settings: uvicorn's app
    factory, called in each worker process, so every worker builds its own container."""
    return process_app(create_app(build(ReviewSettings())))
