"""Payloads of the reviews stream: content review, the recommendation chain and commendations."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import EventPayload

Level = Literal["county", "city", "province", "national"]
Subject = Literal["activity", "unit"]


class ActivityApproved(EventPayload):
    """A reviewer with jurisdiction approved the activity's content; it becomes public."""

    event_type = "activity-approved"
    version = 1

    activity_id: str
    reviewer_body: str


class ActivityRejected(EventPayload):
    """A reviewer rejected the activity's content with a reason; the organizer may revise it."""

    event_type = "activity-rejected"
    version = 1

    activity_id: str
    reviewer_body: str
    reason: str


class Recommended(EventPayload):
    """A reviewing body recommended an excellent activity to the next level (form 附件3)."""

    event_type = "recommended"
    version = 1

    recommendation_id: str
    activity_id: str
    from_body: str
    from_level: Level
    to_level: Level
    reason: str
    opinion: str | None = None
    campaign_id: str | None = None
    activity_name: str | None = None
    unit_name: str | None = None
    main_content: str | None = Field(None, description="主要内容 (form 附件3)")
    contact_name_masked: str | None = None
    contact_phone_masked: str | None = None


class RecommendationEndorsed(EventPayload):
    """The receiving level endorsed a recommendation with its review opinion; it rises one level."""

    event_type = "recommendation-endorsed"
    version = 1

    recommendation_id: str
    subject: Subject
    level: Level
    body: str
    opinion: str


class RecommendationDeclined(EventPayload):
    """The receiving level declined a recommendation with a reason."""

    event_type = "recommendation-declined"
    version = 1

    recommendation_id: str
    subject: Subject
    level: Level
    body: str
    reason: str


class UnitRecommended(EventPayload):
    """A reviewing body recommended an excellent organizer unit (form 附件2)."""

    event_type = "unit-recommended"
    version = 1

    recommendation_id: str
    unit_id: str
    from_body: str
    from_level: Level
    to_level: Level
    deeds: str
    opinion: str | None = None
    campaign_id: str | None = None
    unit_name: str | None = None
    unit_level: str | None = Field(None, description="单位级别 (form 附件2)")
    staff_count: int | None = Field(None, description="职工总数 (form 附件2)")
    contact_name_masked: str | None = None
    contact_phone_masked: str | None = None


class RecommendationWithdrawn(EventPayload):
    """The recommending body withdrew its recommendation before the next level acted on it."""

    event_type = "recommendation-withdrawn"
    version = 1

    recommendation_id: str
    subject: Subject
    body: str
    reason: str | None = None


class Commended(EventPayload):
    """A commending level publicly commended (表扬) an activity or a unit: the national organisers, or a
    level the campaign gives the right (Weinan: the city)."""

    event_type = "commended"
    version = 1

    subject: Subject
    subject_id: str
    citation: str | None = None
    recommendation_id: str | None = None
    level: Level | None = Field(None, description="the commending level; absent: national")
