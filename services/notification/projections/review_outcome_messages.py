"""Review outcomes told to organizers, in their in-app inbox: approved, rejected (with the reason),
recommended, endorsed (with the level's opinion) and commended.

One inbox message per review event and organizer, keyed by the event's id, so a redelivery adds
nothing. The organizer is the activity's (known from the activities stream, which the thank-you
planner keeps in the same database) or, for a unit's recommendation, the unit itself; a message
reserved before its activity is known gets its organizer when the registration arrives
(``thank_you.claim_orphans``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from shared.consumer import Delivery
from shared.events.payloads.reviews import (
    ActivityApproved,
    ActivityRejected,
    Commended,
    RecommendationDeclined,
    RecommendationEndorsed,
    Recommended,
    UnitRecommended,
)
from shared.events.topics import REVIEWS
from shared.store.upsert import upsert, upsert_statement

from ..adapters.tables import activities, campaigns, messages, recommendations
from .thank_you import Compose

LEVELS = {"county": "县级", "city": "市级", "province": "省级", "national": "全国"}


class OutcomePlanner:
    """Reserves an inbox message for the organizer concerned by each review outcome."""

    name = "notification.review-outcomes"
    topics: tuple[str, ...] = (REVIEWS.name,)

    def __init__(
        self,
        compose: Compose,
        on_reserved: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._compose = compose
        self._on_reserved = on_reserved
        self._clock = clock

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        rows = []
        for delivery in deliveries:
            payload = delivery.payload
            if isinstance(payload, Recommended | UnitRecommended):
                self._remember(connection, payload)
            found = self._outcome(connection, payload)
            if found is not None:
                kind, activity_id, unit_id, subject_name, extra = found
                rows.append(self._message(connection, delivery, kind, activity_id, unit_id, subject_name, extra))
        if rows:
            statement = upsert_statement(connection.dialect.name, messages, ("event_id", "recipient", "channel"))
            connection.execute(statement, rows)
            if self._on_reserved is not None:
                self._on_reserved()

    def _remember(self, connection: Connection, payload: Recommended | UnitRecommended) -> None:
        activity = payload.activity_id if isinstance(payload, Recommended) else None
        unit = payload.unit_id if isinstance(payload, UnitRecommended) else None
        name = payload.activity_name if isinstance(payload, Recommended) else payload.unit_name
        row = {"recommendation_id": payload.recommendation_id, "activity_id": activity, "unit_id": unit}
        row["subject_name"] = name
        upsert(connection, recommendations, [row], keys=("recommendation_id",))

    def _outcome(
        self, connection: Connection, payload: Any
    ) -> tuple[str, str | None, str | None, str | None, dict[str, Any]] | None:
        """(kind, activity, unit, subject name, extra context) of an outcome the organizer is told of."""
        if isinstance(payload, ActivityApproved):
            return "review_approved", payload.activity_id, None, None, {}
        if isinstance(payload, ActivityRejected):
            return "review_rejected", payload.activity_id, None, None, {"reason": payload.reason}
        if isinstance(payload, Recommended):
            return "recommended", payload.activity_id, None, payload.activity_name, {"body_name": payload.from_body}
        if isinstance(payload, UnitRecommended):
            return "recommended", None, payload.unit_id, payload.unit_name, {"body_name": payload.from_body}
        if isinstance(payload, RecommendationEndorsed):
            about = self._about(connection, payload.recommendation_id)
            level = LEVELS.get(payload.level, payload.level)
            extra = {"body_name": payload.body, "level": level, "opinion": payload.opinion}
            return ("endorsed", *about, extra) if about else None
        if isinstance(payload, Commended):
            if payload.subject == "unit":
                return "commended", None, payload.subject_id, None, {}
            return "commended", payload.subject_id, None, None, {}
        if isinstance(payload, RecommendationDeclined):
            return None  # the recommending body hears of it in review; the organizer's own outcome is unchanged
        return None

    def _about(
        self, connection: Connection, recommendation_id: str
    ) -> tuple[str | None, str | None, str | None] | None:
        r = recommendations
        row = connection.execute(
            select(r.c.activity_id, r.c.unit_id, r.c.subject_name).where(r.c.recommendation_id == recommendation_id)
        ).first()
        return (row.activity_id, row.unit_id, row.subject_name) if row is not None else None

    def _message(
        self,
        connection: Connection,
        delivery: Delivery,
        kind: str,
        activity_id: str | None,
        unit_id: str | None,
        subject_name: str | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        a, c = activities, campaigns
        known = None
        if activity_id is not None:
            known = connection.execute(
                select(a.c.name, a.c.organizer_id, a.c.organizer_name, a.c.campaign, c.c.title)
                .outerjoin(c, c.c.campaign_id == a.c.campaign)
                .where(a.c.activity_id == activity_id)
            ).first()
        organizer_id = unit_id or (known.organizer_id if known else None)
        campaign = known.campaign if known else delivery.envelope.campaign
        context = {
            "activity_name": subject_name or (known.name if known and known.name else "") or "",
            "organizer_name": (known.organizer_name if known else None) or "",
            "campaign_title": (known.title if known else None) or "全国科普日",
            **extra,
        }
        title, text = self._compose(kind, "inbox", campaign, context)
        now = self._clock()
        return {
            "event_id": delivery.envelope.id,
            "recipient": f"unit:{unit_id}" if unit_id else f"activity:{activity_id}",
            "channel": "inbox",
            "notification_id": uuid.uuid4().hex,
            "kind": kind,
            "recipient_masked": "站内信",
            "organizer_id": organizer_id,
            "activity_id": activity_id,
            "campaign": campaign,
            "sign": None,
            "subject": title,
            "text": text,
            "state": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
