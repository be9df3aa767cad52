"""Notification's composition root: :func:`build` wires settings and ports into the container (the
planners, the dispatcher, the reminders, the ledger), :func:`create_app` serves it.

Every port is a parameter with its default: the clock, the channels, the key vault, the templates,
the regions, the token verifier. Planners and dispatcher meet through one :class:`WakeUp` made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from fastapi import FastAPI

from shared.auth import JwksVerifier
from shared.consumer import Projection
from shared.privacy import KeyVault
from shared.regions import PackagedRegions
from shared.runtime import Backbone, create_service_app
from shared.runtime.serve import process_app
from shared.web.auth import Verifier

from .adapters.dispatch import LedgerDueMessages
from .adapters.tables import metadata
from .adapters.texts import TemplateTexts
from .api.errors import install as install_errors
from .api.routes import callbacks, messages
from .api.routes import templates as templates_routes
from .channels.base import Channel
from .channels.inbox import Inbox
from .channels.sms import HttpSms, SmsSettings
from .container import Notification
from .domain.delivery import parse_quiet
from .projections.password_resets import PasswordResetPlanner
from .projections.review_outcome_messages import ReviewOutcomeMessages
from .projections.submitted_summaries import SubmittedSummaries
from .projections.thank_you import ThankYouPlanner
from .service.dispatcher import ClosingChannels, Dispatcher
from .service.ledger import Ledger
from .service.ports import Clock, utc_now
from .service.provider_callbacks import ProviderCallbacks
from .service.receipt_sweeper import ReceiptSweeper
from .service.reminders import Reminders
from .service.wakeup import WakeUp
from .settings import NotificationSettings
from .templates.engine import Templates

MIGRATIONS = "services.notification:migrations"


def build(
    settings: NotificationSettings | None = None,
    *,
    verifier: Verifier | None = None,
    channels: Mapping[str, Channel] | None = None,
    clock: Clock = utc_now,
    vault: KeyVault | None = None,
    templates: Templates | None = None,
    regions: PackagedRegions | None = None,
) -> Notification:
    """The container: ``channels`` default to SMS through the configured provider (the inbox is always
    there), ``verifier`` to registration's JWKS, ``vault`` to the key vault of the settings."""
    settings = settings or NotificationSettings()
    templates = templates or Templates()
    texts = TemplateTexts(templates)
    vault = vault or KeyVault(settings.key_vault_url)
    wake = WakeUp()
    planners: list[Projection] = [
        ThankYouPlanner(texts, wake.set, clock, vault),
        ReviewOutcomeMessages(texts, wake.set, clock),
        SubmittedSummaries(),
        PasswordResetPlanner(texts, wake.set, clock),
    ]
    backbone = Backbone(settings, metadata, MIGRATIONS, projections=planners)
    channels = {"inbox": Inbox(), **(channels if channels is not None else {"sms": HttpSms(SmsSettings())})}
    quiet = parse_quiet(settings.quiet_hours)
    due = LedgerDueMessages(backbone.engine, backbone.writer, quiet=quiet, lease=timedelta(seconds=settings.lease_s))
    dispatcher = Dispatcher(due, channels, wake=wake, clock=clock)
    reminders = Reminders(
        backbone.engine, texts, clock, interval_s=settings.reminder_interval_s, on_reserved=wake.set, regions=regions
    )
    sweeper = ReceiptSweeper(
        backbone.engine,
        clock,
        retention=timedelta(seconds=settings.pending_receipt_retention_s),
        keep_at_most=settings.pending_receipts_max,
        interval_s=settings.receipt_sweep_s,
    )
    ledger = Ledger(backbone.engine, clock, quiet)
    sms = sms if isinstance(sms := channels.get("sms"), HttpSms) else None
    return Notification(
        backbone=backbone,
        verifier=verifier or JwksVerifier(settings.jwks_url, refresh_seconds=settings.token_revocation_refresh_seconds),
        ledger=ledger,
        dispatcher=dispatcher,
        templates=templates,
        reminders=reminders,
        callbacks=ProviderCallbacks(sms, ledger),
        sms=sms,
        workers=(vault, ClosingChannels(channels)),
        background=(dispatcher, reminders, sweeper),
    )


def create_app(notification: Notification) -> FastAPI:
    """The notification API; its planners (consumers) and background workers (the dispatcher, the
    reminders, the receipt sweeper) start with the app where its role runs background work."""
    app = create_service_app(
        backbone=notification.backbone,
        container=notification,
        title="Kepuri notification",
        description="Thank-you SMS, reminders and review outcomes, with a delivery ledger.",
        routers=[messages.router, callbacks.router, templates_routes.router],
        workers=notification.workers,
        background=notification.background,
    )
    install_errors(app)
    return app


def app_from_environment() -> FastAPI:
    """The app ``python -m services.notification`` serves, from the environment's settings: uvicorn's app
    factory, called in each worker process, so every worker builds its own container."""
    return process_app(create_app(build(NotificationSettings())))
