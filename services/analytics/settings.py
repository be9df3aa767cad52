"""Analytics' settings (``KEPURI_*`` shared, ``KEPURI_ANALYTICS_*`` its own)."""

from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode

from shared.config import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    service = "analytics"
    default_port = 8004

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_ANALYTICS_PORT"))
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_ANALYTICS_DATABASE_URL"))
    jwks_url: str = Field(
        "http://127.0.0.1:8001/api/v1/auth/jwks.json",
        validation_alias=AliasChoices("jwks_url", "KEPURI_ANALYTICS_JWKS_URL"),
        description="registration's published key set, which access tokens (exports of activities) are verified with",
    )
    peers_metrics: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("peers_metrics", "KEPURI_ANALYTICS_PEERS_METRICS"),
        description="the /metrics URLs of the other services, comma-separated: the dashboard's operations table",
    )

    @field_validator("peers_metrics", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
        return value
