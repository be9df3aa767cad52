"""Review's composition root: settings, backbone with its projections, API."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from shared.runtime import Backbone, create_service_app

from .adapters.tables import metadata
from .projections.activities import ActivitiesProjection
from .settings import ReviewSettings

MIGRATIONS = "services.review:migrations"


@dataclass
class Review:
    """What review's routes depend on."""

    backbone: Backbone


def create_app(settings: ReviewSettings | None = None) -> FastAPI:
    """The review API; its consumers start with the app."""
    review = Review(Backbone(settings or ReviewSettings(), metadata, MIGRATIONS, projections=[ActivitiesProjection()]))
    return create_service_app(
        backbone=review.backbone,
        container=review,
        title="Kepuri review",
        description="Content review, the recommendation chain and commendations.",
        routers=[],
    )
