"""Review outcomes on the organizer's dashboard: the review service's verdicts, applied to registration's
own ``activities`` rows as they arrive on the reviews stream (through the row's one writer,
``adapters/activity_state.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.events.topics import REVIEWS

from ..adapters.activity_state import record_verdicts


class ReviewOutcomeProjection:
    """Sets each activity's ``review_status`` (approved / rejected, with the reason) from the reviews topic.

    The last verdict per activity in a batch wins (the topic keeps one activity's events in order).
    A verdict older than the activity's last change is still applied: the review service judges the
    revision it has seen and will judge the new one again.
    """

    name = "registration.review-outcomes"
    topics: tuple[str, ...] = (REVIEWS.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        verdicts: dict[str, tuple[str, str | None]] = {}
        for delivery in deliveries:
            payload = delivery.payload
            if isinstance(payload, ActivityApproved):
                verdicts[payload.activity_id] = ("approved", None)
            elif isinstance(payload, ActivityRejected):
                verdicts[payload.activity_id] = ("rejected", payload.reason)
        record_verdicts(connection, verdicts)
