"""Payloads of the participation stream: the public's check-ins and ratings, keyed by activity."""

from __future__ import annotations

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
