"""Review outcomes on the organizer's dashboard: the review service's verdicts, applied to registration's
own ``activities`` rows as they arrive on the reviews stream (through the row's one writer,
``adapters/activity_state.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.events.topics import REVIEWS

from ..adapters.activity_state import Verdict, record_verdicts


class ReviewOutcomeProjection:
    """Sets each activity's ``review_status`` (approved / rejected, with the reason) from the reviews topic.

    A batch is one statement: the verdict of the highest sequence per activity (the review stream
    numbers an activity's verdicts), written where the row's ``review_version`` is lower. So a
    redelivered, republished or out-of-order verdict changes nothing. A verdict older than the
    activity's last change is still applied: the review service judges the revision it has seen and
    will judge the new one again.
    """

    name = "registration.review-outcomes"
    topics: tuple[str, ...] = (REVIEWS.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        verdicts: dict[str, Verdict] = {}
        for delivery in deliveries:
            payload, sequence = delivery.payload, delivery.envelope.sequence
            if isinstance(payload, ActivityApproved):
                verdict = Verdict("approved", None, sequence)
            elif isinstance(payload, ActivityRejected):
                verdict = Verdict("rejected", payload.reason, sequence)
            else:
                continue
            known = verdicts.get(payload.activity_id)
            if known is None or sequence > known.sequence:
                verdicts[payload.activity_id] = verdict
        record_verdicts(connection, verdicts)
