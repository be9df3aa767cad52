"""Review outcomes told to organizers, in their in-app inbox: approved, rejected (with the reason),
recommended, endorsed (with the level's opinion) and commended.

One inbox message per review event and organizer, keyed by the event's id, so a redelivery adds
nothing. The organizer is the activity's (known from the activities stream, which the thank-you
planner keeps in the same database) or, for a unit's recommendation, the unit itself; a message
reserved before its activity is known gets its organizer when the registration arrives
(``adapters.streams.claim_orphans``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.reviews import (
    ActivityApproved,
    ActivityRejected,
    Commended,
    RecommendationEndorsed,
    Recommended,
    UnitRecommended,
)
from shared.events.topics import REVIEWS

from ..adapters import streams
from ..adapters.reservations import queued_message
from .message_planner import MessagePlanner

LEVELS = {"county": "县级", "city": "市级", "province": "省级", "national": "全国"}
About = tuple[str | None, str | None, str | None]  # (activity, unit, subject name) of a recommendation


@dataclass(frozen=True)
class Outcome:
    """A review outcome the organizer is told of: its kind, whom it is about, and what the text says."""

    kind: str
    activity_id: str | None
    unit_id: str | None
    subject_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ReviewOutcomeMessages(MessagePlanner):
    """Reserves an inbox message for the organizer concerned by each review outcome."""

    name = "notification.review-outcomes"
    topics: tuple[str, ...] = (REVIEWS.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        rows = []
        for delivery in deliveries:
            payload = delivery.payload
            if isinstance(payload, Recommended | UnitRecommended):
                streams.remember_recommendation(connection, recommendation_row(payload))
            found = outcome_of(payload, lambda r: streams.recommendation_about(connection, r))
            if found is not None:
                rows.append(self._message(connection, delivery, found))
        self._reserve(connection, rows)

    def _message(self, connection: Connection, delivery: Delivery, outcome: Outcome) -> dict[str, Any]:
        known = streams.activity_known(connection, outcome.activity_id) if outcome.activity_id is not None else None
        campaign = known.campaign if known else delivery.envelope.campaign
        context = {
            "activity_name": outcome.subject_name or (known.name if known and known.name else "") or "",
            "organizer_name": (known.organizer_name if known else None) or "",
            "campaign_title": (known.title if known else None) or "全国科普日",
            **outcome.extra,
        }
        title, text = self._texts.compose(outcome.kind, "inbox", campaign, context)
        unit_id = outcome.unit_id
        return queued_message(
            event_id=delivery.envelope.id,
            recipient=f"unit:{unit_id}" if unit_id else f"activity:{outcome.activity_id}",
            channel="inbox",
            kind=outcome.kind,
            text=text,
            now=self._clock(),
            subject=title,
            organizer_id=unit_id or (known.organizer_id if known else None),
            activity_id=outcome.activity_id,
            campaign=campaign,
        )


def recommendation_row(payload: Recommended | UnitRecommended) -> dict[str, Any]:
    if isinstance(payload, Recommended):
        return {
            "recommendation_id": payload.recommendation_id,
            "activity_id": payload.activity_id,
            "unit_id": None,
            "subject_name": payload.activity_name,
        }
    return {
        "recommendation_id": payload.recommendation_id,
        "activity_id": None,
        "unit_id": payload.unit_id,
        "subject_name": payload.unit_name,
    }


def outcome_of(payload: Any, about: Callable[[str], About | None]) -> Outcome | None:
    """The outcome an organizer is told of, if ``payload`` is one; ``about`` finds what a recommendation
    is about (an endorsement of one not known tells nobody). A declined recommendation is heard of in
    review by the recommending body; the organizer's own outcome is unchanged."""
    if isinstance(payload, ActivityApproved):
        return Outcome("review_approved", payload.activity_id, None)
    if isinstance(payload, ActivityRejected):
        return Outcome("review_rejected", payload.activity_id, None, extra={"reason": payload.reason})
    if isinstance(payload, Recommended):
        return Outcome(
            "recommended", payload.activity_id, None, payload.activity_name, {"body_name": payload.from_body}
        )
    if isinstance(payload, UnitRecommended):
        return Outcome("recommended", None, payload.unit_id, payload.unit_name, {"body_name": payload.from_body})
    if isinstance(payload, RecommendationEndorsed):
        found = about(payload.recommendation_id)
        if found is None:
            return None
        level = LEVELS.get(payload.level, payload.level)
        extra = {"body_name": payload.body, "level": level, "opinion": payload.opinion}
        return Outcome("endorsed", *found, extra=extra)
    if isinstance(payload, Commended):
        if payload.subject == "unit":
            return Outcome("commended", None, payload.subject_id)
        return Outcome("commended", payload.subject_id, None)
    return None
