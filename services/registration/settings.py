"""Registration's settings (``KEPURI_*`` shared, ``KEPURI_REGISTRATION_*`` its own)."""

from pydantic import AliasChoices, Field

from shared.config import ServiceSettings


class RegistrationSettings(ServiceSettings):
    service = "registration"
    default_port = 8001

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_REGISTRATION_PORT"))
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_REGISTRATION_DATABASE_URL"))
