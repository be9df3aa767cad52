"""``python -m services.notification.standin``: serve the stand-in SMS provider (``KEPURI_SMS_STANDIN_*``)."""

from __future__ import annotations

from typing import Literal

import uvicorn
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.observability.logging import configure_logging

from ..channels.sms import DEV_KEY_ID, DEV_SECRET
from . import FailureRules, create_standin


class StandinSettings(BaseSettings):
    """``KEPURI_SMS_STANDIN_{HOST,PORT,KEY_ID,SECRET,RECEIPTS_URL,INBOUND_URL,RECEIPT_DELAY_S,FAILURES,MAX_MESSAGES}``."""

    model_config = SettingsConfigDict(env_prefix="KEPURI_SMS_STANDIN_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8013
    key_id: str = DEV_KEY_ID
    secret: str = DEV_SECRET
    receipts_url: str | None = None
    inbound_url: str | None = None
    receipt_delay_s: float = 0.05
    failures: Literal["default", "none"] = "default"
    # Messages remembered (for resends, receipts and /v1/handsets); the oldest are forgotten beyond it.
    max_messages: int = Field(100_000, ge=1)
    log_level: str = "INFO"


def main() -> None:
    settings = StandinSettings()
    configure_logging("sms-standin", settings.log_level)
    app = create_standin(
        settings.secret,
        settings.key_id,
        settings.receipts_url,
        receipt_delay_s=settings.receipt_delay_s,
        failures=FailureRules() if settings.failures == "default" else FailureRules.none(),
        inbound_url=settings.inbound_url,
        max_messages=settings.max_messages,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
