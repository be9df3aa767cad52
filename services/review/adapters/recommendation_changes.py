"""The writers of the recommendation commands: a decision as the :class:`Changes` that record it.

Each event goes on the recommendation's own aggregate with the state row beside it; ``subject_claims``
and ``quota_slots`` are taken and freed in the same transaction, so that their primary keys settle two
racing requests (the loser's commit raises, and it reads and decides again).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete

from shared.events import Envelope
from shared.store import AggregateAppend, Changes, Insert

from ..domain.recommendations import Recommendation
from .rows import state_columns
from .tables import quota_slots, recommendations, subject_claims


def opened(rec: Recommendation, envelope: Envelope, row: Mapping[str, Any]) -> Changes:
    """A new recommendation: its first event, its row, and its claim on the subject."""
    return Changes(
        appends=[AggregateAppend(rec.id, 0, [envelope])],
        inserts=[
            Insert(recommendations, dict(row)),
            Insert(subject_claims, {**_subject(rec), "recommendation_id": rec.id}),
        ],
    )


def advanced(before: Recommendation, after: Recommendation, envelope: Envelope, now: datetime) -> Changes:
    """A further act on a recommendation: its event at the next version, and the new state of its row."""
    r = recommendations
    return Changes(
        appends=[AggregateAppend(before.id, before.version, [envelope])],
        statements=[r.update().where(r.c.recommendation_id == before.id).values(state_columns(after, now))],
    )


def slot_taken(rec: Recommendation, body_id: str, slot: int) -> Insert:
    """The body's quota place ``slot`` taken by ``rec``."""
    place = {"campaign": rec.campaign_id, "body": body_id, "kind": rec.kind, "slot": slot}
    return Insert(quota_slots, {**place, "recommendation_id": rec.id})


def slot_freed(rec: Recommendation, body_id: str) -> Any:
    """The body's quota place held by ``rec`` given back (a withdrawal)."""
    s = quota_slots
    return delete(s).where(s.c.recommendation_id == rec.id, s.c.body == body_id, s.c.kind == rec.kind)


def subject_released(rec: Recommendation) -> Any:
    """The subject free for a new recommendation (declined or withdrawn)."""
    c = subject_claims.c
    return delete(subject_claims).where(
        c.campaign == rec.campaign_id, c.kind == rec.kind, c.subject_id == rec.subject_id, c.recommendation_id == rec.id
    )


def _subject(rec: Recommendation) -> dict[str, str]:
    return {"campaign": rec.campaign_id, "kind": rec.kind, "subject_id": rec.subject_id}
