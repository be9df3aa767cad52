"""Notification's settings (``KEPURI_*`` shared, ``KEPURI_NOTIFICATION_*`` its own)."""

from pydantic import AliasChoices, Field

from shared.config import ServiceSettings


class NotificationSettings(ServiceSettings):
    service = "notification"
    default_port = 8003

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_NOTIFICATION_PORT"))
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_NOTIFICATION_DATABASE_URL"))
