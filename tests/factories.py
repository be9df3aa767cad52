"""Builders of realistic test events, shared by the test suites."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.bus import Message
from shared.events import CATALOG, Envelope, to_message
from shared.events.payloads.activities import ActivityRegistered, ActivityWithdrawn

PROVINCES = ("11", "31", "44", "51", "61")


def activity_registered(
    *,
    activity_id: str | None = None,
    region_code: str = "610502",
    campaign: str | None = "2026",
    name: str = "科普讲座",
) -> Envelope:
    """An ``activity-registered`` envelope (version 1 of a new activity)."""
    activity_id = activity_id or uuid.uuid4().hex
    starts = datetime(2026, 9, 15, 9, tzinfo=UTC)
    payload = ActivityRegistered(
        activity_id=activity_id,
        campaign_id=campaign,
        name=name,
        organizer_name="渭南市科学技术协会",
        region_code=region_code,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        format="offline",
    )
    return CATALOG.envelope(payload, subject=activity_id, sequence=1, source="/tests", campaign=campaign)


def activity_withdrawn(activity_id: str, sequence: int = 2) -> Envelope:
    payload = ActivityWithdrawn(activity_id=activity_id, reason="天气原因")
    return CATALOG.envelope(payload, subject=activity_id, sequence=sequence, source="/tests")


def message(envelope: Envelope) -> Message:
    """The bus message of an envelope, on the topic the catalog assigns."""
    return to_message(envelope, CATALOG[envelope.type].topic.name)
