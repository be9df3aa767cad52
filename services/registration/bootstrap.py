"""Registration's composition root: the one place that wires settings, backbone, handlers and API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shared.observability.logging import configure_logging
from shared.runtime import Backbone
from shared.web import create_service_app

from .adapters.tables import metadata
from .api.routes import activities
from .container import Registration
from .handlers import Activities
from .settings import RegistrationSettings

MIGRATIONS = "services.registration:migrations"


def build(settings: RegistrationSettings) -> Registration:
    backbone = Backbone(settings, metadata, MIGRATIONS)
    return Registration(backbone, Activities(backbone))


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    """The registration API; nothing is opened until the app starts."""
    settings = settings or RegistrationSettings()
    configure_logging(settings.service, settings.log_level, settings.log_json)
    registration = build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await registration.backbone.start()
        app.state.registration = registration
        yield
        await registration.backbone.stop()

    return create_service_app(
        service=settings.service,
        title="Kepuri registration",
        description="Campaigns, organizer units, activities and the public directory.",
        lifespan=lifespan,
        routers=[activities.router],
        checks=registration.backbone.checks,
    )
