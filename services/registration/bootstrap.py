"""Registration's composition root: the one place that wires settings, backbone, handlers and API."""

from __future__ import annotations

from fastapi import FastAPI

from shared.runtime import Backbone, create_service_app

from .adapters.regions import PackagedRegions
from .adapters.tables import metadata
from .api.routes import activities
from .container import Registration
from .handlers import Activities
from .settings import RegistrationSettings

MIGRATIONS = "services.registration:migrations"


def build(settings: RegistrationSettings) -> Registration:
    backbone = Backbone(settings, metadata, MIGRATIONS)
    return Registration(backbone, Activities(backbone, PackagedRegions()))


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    """The registration API; nothing is opened until the app starts."""
    registration = build(settings or RegistrationSettings())
    return create_service_app(
        backbone=registration.backbone,
        container=registration,
        title="Kepuri registration",
        description="Campaigns, organizer units, activities and the public directory.",
        routers=[activities.router],
    )
