"""Payloads of a county's key-activity plan (重点活动计划表, 附件1), which its city collects and signs off."""

from __future__ import annotations

from pydantic import Field

from .base import EventPayload


class KeyActivitiesSignedOff(EventPayload):
    """A city's reviewer signed off a county's 附件1 sheet: its key activities are locked until reopened."""

    event_type = "key-activities-signed-off"
    version = 1

    campaign_id: str
    region_code: str = Field(description="the county (GB/T 2260, 6 digits) whose sheet was signed off")
    key_activities: int = Field(ge=0, description="how many key activities the sheet held when signed off")
    by: str = Field(description="the city reviewer's account id")


class KeyActivitiesReopened(EventPayload):
    """The city reopened a county's signed-off 附件1 sheet: its key activities may change again."""

    event_type = "key-activities-reopened"
    version = 1

    campaign_id: str
    region_code: str
    by: str
