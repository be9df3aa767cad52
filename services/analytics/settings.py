"""Analytics' settings (``KEPURI_*`` shared, ``KEPURI_ANALYTICS_*`` its own)."""

from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode

from shared.config import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    service = "analytics"
    default_port = 8004
    default_background_port = 8104

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_ANALYTICS_PORT"))
    background_port: int = Field(
        0, validation_alias=AliasChoices("background_port", "KEPURI_ANALYTICS_BACKGROUND_PORT")
    )
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

    dashboard_streams: int = Field(
        64,
        ge=1,
        validation_alias=AliasChoices("dashboard_streams", "KEPURI_ANALYTICS_DASHBOARD_STREAMS"),
        description="dashboard streams open at once, in all; past it a new one is refused with 503",
    )
    dashboard_streams_per_client: int = Field(
        4,
        ge=1,
        validation_alias=AliasChoices("dashboard_streams_per_client", "KEPURI_ANALYTICS_DASHBOARD_STREAMS_PER_CLIENT"),
        description="dashboard streams open at once from one client address; past it a new one is refused with 429",
    )
    dashboard_stream_max_seconds: float = Field(
        3600.0,
        gt=0,
        le=86_400,
        validation_alias=AliasChoices("dashboard_stream_max_seconds", "KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS"),
        description="the longest a dashboard stream stays open; the page then connects again with its token "
        "(the token is also checked every KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS while it is open)",
    )
    dashboard_campaigns: int = Field(
        32,
        ge=1,
        validation_alias=AliasChoices("dashboard_campaigns", "KEPURI_ANALYTICS_DASHBOARD_CAMPAIGNS"),
        description="campaigns whose dashboard snapshot is kept between requests (the least recently asked forgotten)",
    )

    @field_validator("peers_metrics", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
        return value
