"""Envelopes for the directory's streams, and feeding them to the directory view as its consumer would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from harness.events import delivery
from services.registration.adapters.region_centres import PackagedCentres
from services.registration.projections.directory import DirectoryProjection
from shared.events import CATALOG, Envelope
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.store import transaction

SOURCE = "/tests"
CAMPAIGN = "2026"


def registered(
    activity_id: str | None = None,
    *,
    campaign: str | None = CAMPAIGN,
    starts_in: timedelta = timedelta(days=20),
    at: datetime | None = None,
    **fields: Any,
) -> Envelope:
    """``activity-registered`` (sequence 1) of an offline activity in 临渭区, two hours long unless told."""
    activity_id = activity_id or uuid.uuid4().hex
    starts = fields.pop("starts_at", datetime.now(UTC).replace(microsecond=0) + starts_in)
    values: dict[str, Any] = {
        "activity_id": activity_id,
        "campaign_id": campaign,
        "name": "走进科技馆",
        "organizer_id": "unit-1",
        "organizer_name": "渭南市科学技术协会",
        "region_code": "610502",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "format": "offline",
        "address": "渭南市临渭区朝阳大街 1 号",
        "contact_name_masked": "王**",
        "contact_phone_masked": "138****5678",
    }
    values.update(fields)
    envelope = CATALOG.envelope(ActivityRegistered(**values), subject=activity_id, sequence=1, source=SOURCE)
    return envelope.model_copy(update={"time": at}) if at else envelope


def updated(activity_id: str, sequence: int, **changes: Any) -> Envelope:
    ready = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in changes.items()}
    payload = ActivityUpdated(activity_id=activity_id, changes=ready)
    return CATALOG.envelope(payload, subject=activity_id, sequence=sequence, source=SOURCE)


def withdrawn(activity_id: str, sequence: int) -> Envelope:
    payload = ActivityWithdrawn(activity_id=activity_id, reason="场地调整")
    return CATALOG.envelope(payload, subject=activity_id, sequence=sequence, source=SOURCE)


def approved(activity_id: str, sequence: int = 1) -> Envelope:
    payload = ActivityApproved(activity_id=activity_id, reviewer_body="渭南市科协")
    return CATALOG.envelope(payload, subject=activity_id, sequence=sequence, source="/review")


def rejected(activity_id: str, sequence: int = 1) -> Envelope:
    payload = ActivityRejected(activity_id=activity_id, reviewer_body="渭南市科协", reason="内容不完整")
    return CATALOG.envelope(payload, subject=activity_id, sequence=sequence, source="/review")


def configured(
    campaign_id: str = CAMPAIGN, sequence: int = 1, *, auto_approve: bool, at: datetime | None = None
) -> Envelope:
    payload = CampaignConfigured(
        campaign_id=campaign_id,
        year=2026,
        title="2026年全国科普日",
        week_starts_on=date(2026, 9, 15),
        week_ends_on=date(2026, 9, 21),
        auto_approve=auto_approve,
    )
    envelope = CATALOG.envelope(payload, subject=campaign_id, sequence=sequence, source=SOURCE)
    return envelope.model_copy(update={"time": at}) if at else envelope


def checked_in(activity_id: str, participant: str = "p-1") -> Envelope:
    payload = ParticipationRecorded(activity_id=activity_id, participant_ref=participant)
    return CATALOG.envelope(payload, subject=activity_id, sequence=1, source=SOURCE)


def rated(activity_id: str, rating: int) -> Envelope:
    payload = FeedbackSubmitted(activity_id=activity_id, rating=rating)
    return CATALOG.envelope(payload, subject=activity_id, sequence=1, source=SOURCE)


async def feed(engine: AsyncEngine, *envelopes: Envelope) -> None:
    """Apply ``envelopes`` to the directory view as one batch, in one transaction, as the consumer does."""
    async with transaction(engine) as connection:
        await connection.run_sync(DirectoryProjection(PackagedCentres()).apply, [delivery(e) for e in envelopes])


async def feed_each(engine: AsyncEngine, *envelopes: Envelope) -> None:
    """Apply ``envelopes`` one batch each."""
    for envelope in envelopes:
        await feed(engine, envelope)
