"""Review's settings (``KEPURI_*`` shared, ``KEPURI_REVIEW_*`` its own)."""

from pydantic import AliasChoices, Field

from shared.config import ServiceSettings


class ReviewSettings(ServiceSettings):
    service = "review"
    default_port = 8002
    default_background_port = 8102
    uses_key_vault = True  # its matching key only, to forget erased phones typed into forms (erasure.py)

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_REVIEW_PORT"))
    background_port: int = Field(0, validation_alias=AliasChoices("background_port", "KEPURI_REVIEW_BACKGROUND_PORT"))
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_REVIEW_DATABASE_URL"))
    jwks_url: str = Field(
        "http://127.0.0.1:8001/api/v1/auth/jwks.json",
        validation_alias=AliasChoices("jwks_url", "KEPURI_REVIEW_JWKS_URL"),
        description="registration's published key set, which access tokens are verified with",
    )
    summary_max_file_bytes: int = Field(
        10 << 20,
        ge=1024,
        validation_alias=AliasChoices("summary_max_file_bytes", "KEPURI_REVIEW_SUMMARY_MAX_FILE_BYTES"),
        description="the largest file a summary report may attach",
    )
