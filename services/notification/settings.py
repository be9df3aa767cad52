"""Notification's settings (``KEPURI_*`` shared, ``KEPURI_NOTIFICATION_*`` its own)."""

from pydantic import AliasChoices, Field

from shared.config import ServiceSettings


class NotificationSettings(ServiceSettings):
    service = "notification"
    default_port = 8003
    default_background_port = 8103
    uses_key_vault = True

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_NOTIFICATION_PORT"))
    background_port: int = Field(
        0, validation_alias=AliasChoices("background_port", "KEPURI_NOTIFICATION_BACKGROUND_PORT")
    )
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_NOTIFICATION_DATABASE_URL"))
    quiet_hours: str = Field(
        "21:00-08:00",
        pattern=r"^(\s*|\d{2}:\d{2}-\d{2}:\d{2})$",
        validation_alias=AliasChoices("quiet_hours", "KEPURI_NOTIFICATION_QUIET_HOURS"),
        description="China time when no SMS goes out; empty: none (load and crash tests only)",
    )
    lease_s: float = Field(
        120.0,
        gt=0,
        validation_alias=AliasChoices("lease_s", "KEPURI_NOTIFICATION_LEASE_S"),
        description="how long a message may stay 'sending' before it is taken to be lost in a crash and resent",
    )
    pending_receipt_retention_s: float = Field(
        86_400.0,
        gt=0,
        validation_alias=AliasChoices("pending_receipt_retention_s", "KEPURI_NOTIFICATION_PENDING_RECEIPT_RETENTION_S"),
        description="how long a delivery receipt that came before its message id was recorded is kept for it",
    )
    pending_receipts_max: int = Field(
        100_000,
        ge=1,
        validation_alias=AliasChoices("pending_receipts_max", "KEPURI_NOTIFICATION_PENDING_RECEIPTS_MAX"),
        description="the most such receipts kept at once (the newest are kept)",
    )
    receipt_sweep_s: float = Field(
        60.0,
        gt=0,
        validation_alias=AliasChoices("receipt_sweep_s", "KEPURI_NOTIFICATION_RECEIPT_SWEEP_S"),
        description="how often kept receipts past the retention or the count are dropped",
    )
    reminder_interval_s: float = Field(
        600.0, gt=0, validation_alias=AliasChoices("reminder_interval_s", "KEPURI_NOTIFICATION_REMINDER_INTERVAL_S")
    )
    jwks_url: str = Field(
        "http://127.0.0.1:8001/api/v1/auth/jwks.json",
        validation_alias=AliasChoices("jwks_url", "KEPURI_NOTIFICATION_JWKS_URL"),
        description="registration's published key set, which access tokens are verified with",
    )
