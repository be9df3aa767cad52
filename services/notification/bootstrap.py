"""Notification's composition root: settings, channels, templates, the planner, the dispatcher, API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from shared.auth import JwksVerifier
from shared.consumer import Projection
from shared.privacy import KeyVault
from shared.runtime import Backbone, create_service_app
from shared.web.auth import Verifier

from .adapters.receipts import ReceiptSweeper
from .adapters.tables import metadata
from .api.routes import callbacks, messages
from .api.routes import templates as templates_routes
from .channels.base import Channel
from .channels.inbox import Inbox
from .channels.sms import HttpSms, SmsSettings
from .container import Notification
from .domain.delivery import parse_quiet
from .projections.password_resets import PasswordResetPlanner
from .projections.review_outcome_messages import OutcomePlanner
from .projections.thank_you import ThankYouPlanner
from .service.dispatcher import Clock, ClosingChannels, Dispatcher, utc_now
from .service.ledger import Ledger
from .service.reminders import Reminders
from .service.summary_reminders import SubmittedSummaries
from .settings import NotificationSettings
from .templates.engine import Templates

MIGRATIONS = "services.notification:migrations"


def create_app(
    settings: NotificationSettings | None = None,
    *,
    verifier: Verifier | None = None,
    channels: Mapping[str, Channel] | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """The notification API, its planner (a consumer) and its dispatcher (a worker)."""
    settings = settings or NotificationSettings()
    templates = Templates()
    woken: list[Dispatcher] = []

    def compose(kind: str, channel: str, campaign: str | None, context: Mapping[str, Any]) -> tuple[str | None, str]:
        rendered = templates.render(kind, channel, campaign, context)
        return rendered.subject, rendered.text

    def wake() -> None:
        if woken:
            woken[0].wake()

    vault = KeyVault(settings.key_vault_url)
    planners: list[Projection] = [
        ThankYouPlanner(compose, wake, clock, vault),
        OutcomePlanner(compose, wake, clock),
        SubmittedSummaries(),
        PasswordResetPlanner(compose, wake, clock),
    ]
    backbone = Backbone(settings, metadata, MIGRATIONS, projections=planners)
    if channels is None:
        channels = {"sms": HttpSms(SmsSettings())}
    channels = {"inbox": Inbox(), **channels}
    quiet = parse_quiet(settings.quiet_hours)
    dispatcher = Dispatcher(
        backbone.engine,
        backbone.writer,
        channels,
        clock=clock,
        quiet=quiet,
        lease=timedelta(seconds=settings.lease_s),
    )
    woken.append(dispatcher)
    reminders = Reminders(backbone.engine, compose, clock, interval_s=settings.reminder_interval_s, on_reserved=wake)
    sweeper = ReceiptSweeper(
        backbone.engine,
        clock,
        retention=timedelta(seconds=settings.pending_receipt_retention_s),
        keep_at_most=settings.pending_receipts_max,
        interval_s=settings.receipt_sweep_s,
    )
    notification = Notification(
        backbone=backbone,
        verifier=verifier or JwksVerifier(settings.jwks_url, refresh_seconds=settings.token_revocation_refresh_seconds),
        ledger=Ledger(backbone.engine, clock, quiet),
        dispatcher=dispatcher,
        templates=templates,
        reminders=reminders,
        sms=sms if isinstance(sms := channels.get("sms"), HttpSms) else None,
    )
    return create_service_app(
        backbone=backbone,
        container=notification,
        title="Kepuri notification",
        description="Thank-you SMS, reminders and review outcomes, with a delivery ledger.",
        routers=[messages.router, callbacks.router, templates_routes.router],
        workers=[vault, ClosingChannels(channels), dispatcher, reminders, sweeper],
    )
