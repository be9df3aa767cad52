"""Settings common to every service; each service subclasses :class:`ServiceSettings` once.

Every value comes from the environment (``KEPURI_*``) or a ``.env`` file, never from scattered
``os.environ`` reads. Shared values use ``KEPURI_<NAME>``; a service's own values use
``KEPURI_<SERVICE>_<NAME>`` (for example ``KEPURI_REGISTRATION_DATABASE_URL``).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .events.envelope import DEFAULT_SCHEMA_BASE, checked_schema_base


class ServiceSettings(BaseSettings):
    """What every service needs: where its data lives, its database, the bus and how to log."""

    model_config = SettingsConfigDict(env_prefix="KEPURI_", env_file=".env", extra="ignore", populate_by_name=True)

    service: ClassVar[str]
    default_port: ClassVar[int]
    default_background_port: ClassVar[int]
    uses_key_vault: ClassVar[bool] = False  # registration, notification, review: see shared/privacy/vault.py

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 0
    # The process role (docs/architecture.md, "Process roles"): ``all`` runs the API and the background
    # work in one process; ``api`` serves the HTTP API only, as ``workers`` processes on ``port``;
    # ``background`` runs the relay, consumers, dispatcher and schedulers and serves only /healthz,
    # /readyz and /metrics on ``background_port`` (KEPURI_<SERVICE>_BACKGROUND_PORT).
    role: Literal["all", "api", "background"] = "all"
    workers: int = Field(1, ge=1, le=256)
    background_port: int = 0
    database_url: str = ""
    bus_url: str = ""
    key_vault_url: str = ""  # the per-person keys (crypto-shredding); default: keys.db in the data directory
    topic_partitions: int = 4
    kafka_idempotence: bool = False
    kafka_fetch_max_wait_ms: int = 100
    # Logging in to Kafka (a Strimzi KafkaUser with SCRAM): user name and password both or neither;
    # the protocol defaults to SASL_PLAINTEXT with them and PLAINTEXT without. SASL_SSL trusts the
    # system's certificate authorities. The password is a SecretStr: it never shows in a repr or log.
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] | None = None

    @model_validator(mode="after")
    def _kafka_login(self) -> ServiceSettings:
        # an empty variable (an optional Secret key that is absent) counts as unset
        self.kafka_sasl_username = self.kafka_sasl_username or None
        if self.kafka_sasl_password is not None and not self.kafka_sasl_password.get_secret_value():
            self.kafka_sasl_password = None
        if (self.kafka_sasl_username is None) != (self.kafka_sasl_password is None):
            raise ValueError("KEPURI_KAFKA_SASL_USERNAME and KEPURI_KAFKA_SASL_PASSWORD are set together or not at all")
        with_login = self.kafka_sasl_username is not None
        if self.kafka_security_protocol is None:
            self.kafka_security_protocol = "SASL_PLAINTEXT" if with_login else "PLAINTEXT"
        if with_login != self.kafka_security_protocol.startswith("SASL_"):
            raise ValueError(
                f"KEPURI_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} "
                + (
                    "ignores the SASL user name and password"
                    if with_login
                    else "needs KEPURI_KAFKA_SASL_USERNAME and _PASSWORD"
                )
            )
        return self

    # Seconds an idle keep-alive connection stays open. Longer than the idle timeout of whatever pools
    # connections in front (60 s on nginx upstreams and most load balancers), so the server never
    # closes a connection just as a client reuses it; uvicorn's own default is 5 s.
    http_keep_alive_s: int = 75
    # Peers whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips): comma-separated
    # addresses or networks, "*" for any, "" for none. The default trusts only loopback, where
    # `kepuri up`'s reverse proxy runs; behind another proxy, name it, or every client looks alike.
    trusted_proxies: str = "127.0.0.1,::1"
    # How old a copy of registration's key set and revocation list may get before a service fetches
    # it again: a signed-out or disabled account's tokens are refused within this many seconds.
    token_revocation_refresh_seconds: float = Field(15.0, gt=0, le=300)
    # The outbox relay's leadership on PostgreSQL (shared/store/relay.py): a batch must be published
    # within the lease of the relay's last confirmation that it holds the lock, and a replica that
    # takes the lock over waits takeover_s first (more than the lease plus Kafka's 30 s request
    # timeout, which bounds what a cancelled publish may still deliver).
    relay_lease_s: float = Field(default=10.0, gt=0)
    relay_takeover_s: float = Field(default=45.0, ge=0)
    # Where the events' JSON Schemas are published: every event's CloudEvents dataschema is this
    # absolute URI plus <type>.v<N>.json (shared/events/envelope.py).
    events_schema_base: str = DEFAULT_SCHEMA_BASE
    log_level: str = "INFO"
    log_json: bool = False
    # Identical log records (same logger, level and message template) let through per interval before
    # the rest are counted and summarised (shared/observability/logging.py RepeatLimit): a broker that
    # went away once made aiokafka log one error 40,000 times in 90 s.
    log_repeat_limit: int = Field(5, ge=1, le=10_000)
    log_repeat_interval_s: float = Field(60.0, gt=0, le=86_400)
    # The largest request body a route reads (KEPURI_MAX_BODY_BYTES); past it the answer is a 413
    # problem+json before the body is read. Every JSON body of the APIs is far smaller; routes that
    # take an upload (registration's 附件1 import) set their own, larger limit for their path.
    max_body_bytes: int = Field(1 << 20, ge=1024)
    # /docs, /redoc and /openapi.json (KEPURI_API_DOCS); unset: served except in production.
    api_docs: bool | None = None

    @field_validator("events_schema_base")
    @classmethod
    def _absolute_schema_base(cls, base: str) -> str:
        return checked_schema_base(base)

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        self.api_docs = docs_served(self.environment, self.api_docs)
        if not self.port:
            self.port = self.default_port
        if not self.background_port:
            self.background_port = self.default_background_port
        if self.workers > 1 and self.role != "api":
            # several relays or consumers of one SQLite outbox would publish twice: only the API multiplies
            raise ValueError(f"KEPURI_WORKERS={self.workers} needs KEPURI_ROLE=api (it is {self.role})")
        if not self.database_url:
            if self.environment == "production":
                raise ValueError(f"KEPURI_{self.service.upper()}_DATABASE_URL must be set in production")
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"
        if not self.bus_url:
            if self.environment == "production":
                raise ValueError("KEPURI_BUS_URL must be set in production")
            self.bus_url = f"embedded:{(self.data_dir / 'bus.db').resolve()}"
        if not self.key_vault_url:
            if self.environment == "production" and self.uses_key_vault:
                raise ValueError("KEPURI_KEY_VAULT_URL must be set in production")
            self.key_vault_url = f"sqlite+aiosqlite:///{(self.data_dir / 'keys.db').resolve()}"
        return self

    @property
    def listen_port(self) -> int:
        """The port this process serves on: ``background_port`` for the background role, else ``port``."""
        return self.background_port if self.role == "background" else self.port


def docs_served(environment: str, api_docs: bool | None) -> bool:
    """Whether a service serves ``/docs``, ``/redoc`` and ``/openapi.json``: ``KEPURI_API_DOCS`` when it
    is set, else in every environment but production (``kepuri up`` asks too, to print the links)."""
    return api_docs if api_docs is not None else environment != "production"
