"""Payloads of the participation stream: the public's check-ins and ratings, keyed by activity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import Field

from .base import EventPayload


class ParticipationRecorded(EventPayload):
    """A member of the public checked in (打卡) at an activity."""

    event_type = "participation-recorded"
    version = 1

    activity_id: str
    participant_ref: str = Field(description="A pseudonymous, per-activity reference to the participant")


class FeedbackSubmitted(EventPayload):
    """A member of the public rated an activity (1–5) after it started."""

    event_type = "feedback-submitted"
    version = 1

    activity_id: str
    rating: int = Field(ge=1, le=5)
    comment: str | None = None


def tally(payloads: Iterable[object]) -> dict[str, tuple[int, int, int]]:
    """Check-ins, ratings and the sum of ratings per activity among ``payloads`` (others are ignored):
    how every view counts a batch of the participation stream."""
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for payload in payloads:
        if isinstance(payload, ParticipationRecorded):
            counts[payload.activity_id][0] += 1
        elif isinstance(payload, FeedbackSubmitted):
            counted = counts[payload.activity_id]
            counted[1] += 1
            counted[2] += payload.rating
    return {activity_id: (c[0], c[1], c[2]) for activity_id, c in counts.items()}
