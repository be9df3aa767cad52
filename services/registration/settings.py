"""Registration's settings (``KEPURI_*`` shared, ``KEPURI_REGISTRATION_*`` its own)."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator

from shared.config import ServiceSettings

OWASP_MEMORY_KIB = 19456  # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 at least


class RegistrationSettings(ServiceSettings):
    service = "registration"
    default_port = 8001
    default_background_port = 8101
    uses_key_vault = True

    port: int = Field(0, validation_alias=AliasChoices("port", "KEPURI_REGISTRATION_PORT"))
    background_port: int = Field(
        0, validation_alias=AliasChoices("background_port", "KEPURI_REGISTRATION_BACKGROUND_PORT")
    )
    database_url: str = Field("", validation_alias=AliasChoices("database_url", "KEPURI_REGISTRATION_DATABASE_URL"))
    jwt_private_key_file: Path | None = Field(
        None,
        validation_alias=AliasChoices("jwt_private_key_file", "KEPURI_REGISTRATION_JWT_PRIVATE_KEY_FILE"),
        description="Ed25519 private key (PKCS#8 PEM) that signs access tokens",
    )
    sheet_max_bytes: int = Field(
        5 << 20,
        ge=64 << 10,
        le=64 << 20,
        validation_alias=AliasChoices("sheet_max_bytes", "KEPURI_REGISTRATION_SHEET_MAX_BYTES"),
        description="the largest 附件1 upload (POST /activities/import) read; larger ones are a 413",
    )
    token_ttl_minutes: int = Field(480, ge=5, le=7 * 24 * 60)
    media_photo_max_bytes: int = Field(
        10 << 20,
        ge=64 << 10,
        le=64 << 20,
        validation_alias=AliasChoices("media_photo_max_bytes", "KEPURI_REGISTRATION_MEDIA_PHOTO_MAX_BYTES"),
        description="the largest photo an organizer uploads (POST /media); larger ones are a 413",
    )
    media_video_max_bytes: int = Field(
        50 << 20,
        ge=1 << 20,
        le=512 << 20,
        validation_alias=AliasChoices("media_video_max_bytes", "KEPURI_REGISTRATION_MEDIA_VIDEO_MAX_BYTES"),
        description="the largest short video (MP4/WebM) an organizer uploads; larger ones are a 413",
    )
    media_max_pixels: int = Field(
        40_000_000,
        ge=1_000_000,
        le=200_000_000,
        validation_alias=AliasChoices("media_max_pixels", "KEPURI_REGISTRATION_MEDIA_MAX_PIXELS"),
        description="photos with more pixels are refused before they are decoded (decompression bombs)",
    )
    media_s3_endpoint: str = Field(
        "",
        validation_alias=AliasChoices("media_s3_endpoint", "KEPURI_REGISTRATION_MEDIA_S3_ENDPOINT"),
        description="S3-compatible storage for media (http://minio:9000); empty: files under data_dir/media",
    )
    media_s3_bucket: str = Field(
        "kepuri-media", validation_alias=AliasChoices("media_s3_bucket", "KEPURI_REGISTRATION_MEDIA_S3_BUCKET")
    )
    media_s3_access_key: str = Field(
        "", validation_alias=AliasChoices("media_s3_access_key", "KEPURI_REGISTRATION_MEDIA_S3_ACCESS_KEY")
    )
    media_s3_secret_key: str = Field(
        "", validation_alias=AliasChoices("media_s3_secret_key", "KEPURI_REGISTRATION_MEDIA_S3_SECRET_KEY")
    )

    # Anonymous account work is limited per client address and per login (throttles.py, in the database: one limit for every worker and replica), each
    # "so many per window": sign-ups are one per unit for life, so a few an hour per phone is plenty,
    # while a venue's or a school's network may put several units' organizers behind one address.
    sign_ups_per_address: int = Field(
        20, ge=1, validation_alias=AliasChoices("sign_ups_per_address", "KEPURI_REGISTRATION_SIGN_UPS_PER_ADDRESS")
    )
    sign_ups_per_phone: int = Field(
        5, ge=1, validation_alias=AliasChoices("sign_ups_per_phone", "KEPURI_REGISTRATION_SIGN_UPS_PER_PHONE")
    )
    sign_up_window_seconds: int = Field(
        3600,
        ge=10,
        validation_alias=AliasChoices("sign_up_window_seconds", "KEPURI_REGISTRATION_SIGN_UP_WINDOW_SECONDS"),
    )
    login_failures_allowed: int = Field(
        5,
        ge=1,
        validation_alias=AliasChoices("login_failures_allowed", "KEPURI_REGISTRATION_LOGIN_FAILURES_ALLOWED"),
        description="failed logins per login (from any address) per window",
    )
    login_failures_per_address: int = Field(
        30,
        ge=1,
        validation_alias=AliasChoices("login_failures_per_address", "KEPURI_REGISTRATION_LOGIN_FAILURES_PER_ADDRESS"),
        description="failed logins per client address (whatever the login) per window",
    )
    login_window_seconds: int = Field(
        900, ge=10, validation_alias=AliasChoices("login_window_seconds", "KEPURI_REGISTRATION_LOGIN_WINDOW_SECONDS")
    )
    # Password-reset codes texted to an account's phone (passwords.py): each costs an SMS.
    password_resets_per_phone: int = Field(
        3,
        ge=1,
        validation_alias=AliasChoices("password_resets_per_phone", "KEPURI_REGISTRATION_PASSWORD_RESETS_PER_PHONE"),
    )
    password_resets_per_address: int = Field(
        10,
        ge=1,
        validation_alias=AliasChoices("password_resets_per_address", "KEPURI_REGISTRATION_PASSWORD_RESETS_PER_ADDRESS"),
    )
    password_reset_window_seconds: int = Field(
        3600,
        ge=10,
        validation_alias=AliasChoices(
            "password_reset_window_seconds", "KEPURI_REGISTRATION_PASSWORD_RESET_WINDOW_SECONDS"
        ),
    )
    password_reset_code_minutes: int = Field(
        10,
        ge=1,
        le=60,
        validation_alias=AliasChoices("password_reset_code_minutes", "KEPURI_REGISTRATION_PASSWORD_RESET_CODE_MINUTES"),
        description="how long a reset code is valid",
    )
    # The public directory's check-ins and ratings (directory/): a token bucket per client address.
    # A venue's Wi-Fi puts a whole school class behind one address: 30 at once, then one every 2 s.
    directory_rate_burst: int = Field(
        30, ge=1, validation_alias=AliasChoices("directory_rate_burst", "KEPURI_REGISTRATION_DIRECTORY_RATE_BURST")
    )
    directory_rate_per_minute: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("directory_rate_per_minute", "KEPURI_REGISTRATION_DIRECTORY_RATE_PER_MINUTE"),
    )
    directory_cache_ttl_seconds: float = Field(
        5.0,
        gt=0,
        le=300,
        validation_alias=AliasChoices("directory_cache_ttl_seconds", "KEPURI_REGISTRATION_DIRECTORY_CACHE_TTL_SECONDS"),
        description="how long check-ins trust what the directory said about an activity",
    )
    # Passwords are hashed with argon2id; the defaults are OWASP's minimum (Password Storage Cheat Sheet:
    # m=19 MiB, t=2, p=1), about 20 ms of one core per sign-up or login on these machines. A hash keeps the
    # parameters it was made with, so changing them never locks an account out: the next login rehashes.
    password_hash_time_cost: int = Field(
        2,
        ge=1,
        le=10,
        validation_alias=AliasChoices("password_hash_time_cost", "KEPURI_REGISTRATION_PASSWORD_HASH_TIME_COST"),
    )
    password_hash_memory_kib: int = Field(
        OWASP_MEMORY_KIB,
        ge=1024,
        le=1048576,
        validation_alias=AliasChoices("password_hash_memory_kib", "KEPURI_REGISTRATION_PASSWORD_HASH_MEMORY_KIB"),
    )
    password_hash_parallelism: int = Field(
        1,
        ge=1,
        le=16,
        validation_alias=AliasChoices("password_hash_parallelism", "KEPURI_REGISTRATION_PASSWORD_HASH_PARALLELISM"),
    )
    password_hash_workers: int = Field(
        0,
        ge=0,
        le=256,
        validation_alias=AliasChoices("password_hash_workers", "KEPURI_REGISTRATION_PASSWORD_HASH_WORKERS"),
        description="hashes at once beside the event loop (0: one per core)",
    )
    password_hash_niceness: int = Field(
        10,
        ge=0,
        le=19,
        validation_alias=AliasChoices("password_hash_niceness", "KEPURI_REGISTRATION_PASSWORD_HASH_NICENESS"),
        description="how far below the event loop hashes run (Linux nice, per thread; 0: alongside it)",
    )
    password_hash_pool: Literal["thread", "process"] = Field(
        "thread",
        validation_alias=AliasChoices("password_hash_pool", "KEPURI_REGISTRATION_PASSWORD_HASH_POOL"),
        description="where hashes run: threads of this process (argon2 releases the GIL) or worker processes",
    )
    directory_answer_max_age_seconds: float = Field(
        1.0,
        ge=0,
        le=60,
        validation_alias=AliasChoices(
            "directory_answer_max_age_seconds", "KEPURI_REGISTRATION_DIRECTORY_ANSWER_MAX_AGE_SECONDS"
        ),
        description="how long everyone asking the same directory search shares one answer (0: never)",
    )
    jwks_cache_seconds: float = Field(
        1.0,
        ge=0,
        le=5,
        validation_alias=AliasChoices("jwks_cache_seconds", "KEPURI_REGISTRATION_JWKS_CACHE_SECONDS"),
        description="how long every caller of the public GET /auth/jwks.json shares one database read (0: never); "
        "at most half of KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS, whatever is set",
    )

    @property
    def jwks_max_age_seconds(self) -> float:
        """How long the published key set is shared: ``jwks_cache_seconds``, but at most half the verifiers'
        refresh interval (they count a copy's age in, and a copy as old as the interval is one to fetch again)."""
        return min(self.jwks_cache_seconds, self.token_revocation_refresh_seconds / 2)

    participant_key_file: Path | None = Field(
        None,
        validation_alias=AliasChoices("participant_key_file", "KEPURI_REGISTRATION_PARTICIPANT_KEY_FILE"),
        description="HMAC key (hex) that turns client addresses into participant references; "
        "unset: derived from the token-signing key",
    )

    @model_validator(mode="after")
    def _signing_key(self) -> "RegistrationSettings":
        if self.environment == "production" and (
            self.password_hash_memory_kib < OWASP_MEMORY_KIB or self.password_hash_time_cost < 2
        ):
            raise ValueError(
                "in production the password hash needs at least OWASP's argon2id minimum: "
                f"KEPURI_REGISTRATION_PASSWORD_HASH_MEMORY_KIB >= {OWASP_MEMORY_KIB} and _TIME_COST >= 2"
            )
        if self.jwt_private_key_file is None:
            if self.environment == "production":
                raise ValueError("KEPURI_REGISTRATION_JWT_PRIVATE_KEY_FILE must be set in production")
            self.jwt_private_key_file = self.data_dir / "keys" / "registration-ed25519.pem"
        return self
