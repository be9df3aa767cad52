"""Events as the tests and benchmarks build them: envelopes, the bus messages they travel as, and the
deliveries a consumer hands a projection.

One place for what the suites each wrote by hand: ``CATALOG.envelope`` with a test source,
``to_message`` on the catalog's topic, and a :class:`~shared.bus.Record` at the next offset wrapped in
a :class:`~shared.consumer.Delivery` with the upcast payload.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from shared.bus import Message, Record
from shared.consumer import Delivery
from shared.events import CATALOG, Envelope, EventPayload, to_message
from shared.events.payloads.activities import ActivityRegistered, ActivityWithdrawn
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected

SOURCE = "/tests"
_offsets = itertools.count()


def envelope(
    payload: EventPayload,
    subject: str,
    sequence: int = 1,
    *,
    source: str = SOURCE,
    campaign: str | None = None,
    at: datetime | None = None,
) -> Envelope:
    """``payload`` (its latest version) in a new envelope; ``at`` sets its time (default: now)."""
    built = CATALOG.envelope(payload, subject=subject, sequence=sequence, source=source, campaign=campaign)
    return built if at is None else built.model_copy(update={"time": at})


def message(envelope: Envelope) -> Message:
    """The bus message of an envelope, on the topic the catalog assigns."""
    return to_message(envelope, CATALOG[envelope.type].topic.name)


def delivery(envelope: Envelope, offset: int | None = None, *, encoded: bool = True) -> Delivery:
    """The envelope as a consumer hands it to a projection: read from partition 0 at ``offset`` (default:
    the next of this process's counter). ``encoded=False`` leaves the record's bytes empty, for
    benchmarks building many deliveries for projections that read only the envelope and payload."""
    offset = next(_offsets) if offset is None else offset
    if encoded:
        m = message(envelope)
        record = Record(m.topic, 0, offset, m.key, m.value, m.headers, 0)
    else:
        record = Record(CATALOG[envelope.type].topic.name, 0, offset, envelope.subject.encode(), b"", (), 0)
    return Delivery(record, envelope, CATALOG.payload(envelope))


def deliveries(envelopes: Iterable[Envelope], *, encoded: bool = True) -> list[Delivery]:
    """:func:`delivery` of each envelope, at consecutive offsets."""
    return [delivery(e, encoded=encoded) for e in envelopes]


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
    return envelope(payload, activity_id, campaign=campaign)


def activity_withdrawn(activity_id: str, sequence: int = 2) -> Envelope:
    """An ``activity-withdrawn`` envelope."""
    return envelope(ActivityWithdrawn(activity_id=activity_id, reason="天气原因"), activity_id, sequence)


def activity_approved(activity_id: str, sequence: int = 1, *, reviewer_body: str = "county:610502") -> Envelope:
    """An ``activity-approved`` verdict of the review service (its ``sequence`` numbers the reviews)."""
    payload = ActivityApproved(activity_id=activity_id, reviewer_body=reviewer_body)
    return envelope(payload, activity_id, sequence, source="/kepuri/review")


def activity_rejected(activity_id: str, sequence: int = 1, *, reason: str = "活动地点不详") -> Envelope:
    """An ``activity-rejected`` verdict of the review service, with its reason."""
    payload = ActivityRejected(activity_id=activity_id, reviewer_body="county:610502", reason=reason)
    return envelope(payload, activity_id, sequence, source="/kepuri/review")
