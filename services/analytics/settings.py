"""Analytics' settings (``KEPURI_*`` shared, ``KEPURI_ANALYTICS_*`` its own)."""

from pydantic import AliasChoices, Field

from shared.config import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    service = "analytics"
    default_port = 8004

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_ANALYTICS_PORT"))
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_ANALYTICS_DATABASE_URL"))
