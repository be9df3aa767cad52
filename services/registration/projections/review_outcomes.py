"""Review outcomes on the organizer's dashboard: the review service's verdicts, applied to registration's
own ``activities`` rows as they arrive on the reviews stream."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, update

from shared.consumer import Delivery
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.events.topics import REVIEWS

from ..adapters.tables import activities


class ReviewOutcomeProjection:
    """Sets each activity's ``review_status`` (approved / rejected, with the reason) from the reviews topic.

    The last verdict per activity in a batch wins (the topic keeps one activity's events in order).
    A verdict older than the activity's last change is still applied: the review service judges the
    revision it has seen and will judge the new one again.
    """

    name = "registration.review-outcomes"
    topics: tuple[str, ...] = (REVIEWS.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        verdicts: dict[str, dict[str, object]] = {}
        for delivery in deliveries:
            payload = delivery.payload
            if isinstance(payload, ActivityApproved):
                verdicts[payload.activity_id] = {"verdict": "approved", "why": None}
            elif isinstance(payload, ActivityRejected):
                verdicts[payload.activity_id] = {"verdict": "rejected", "why": payload.reason}
        if not verdicts:
            return
        statement = (
            update(activities)
            .where(activities.c.activity_id == bindparam("activity"))
            .values(review_status=bindparam("verdict"), review_reason=bindparam("why"))
        )
        connection.execute(statement, [{"activity": i, **v} for i, v in verdicts.items()])
