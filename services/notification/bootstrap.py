"""Notification's composition root: settings, backbone, API."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from shared.runtime import Backbone, create_service_app

from .adapters.tables import metadata
from .settings import NotificationSettings

MIGRATIONS = "services.notification:migrations"


@dataclass
class Notification:
    """What notification's routes depend on."""

    backbone: Backbone


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    """The notification API."""
    notification = Notification(Backbone(settings or NotificationSettings(), metadata, MIGRATIONS))
    return create_service_app(
        backbone=notification.backbone,
        container=notification,
        title="Kepuri notification",
        description="Thank-you SMS, reminders and review outcomes, with a delivery ledger.",
        routers=[],
    )
