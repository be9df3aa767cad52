"""Payloads of the campaigns and units streams."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import EventPayload


class LocalRule(BaseModel):
    """A campaign's local assessment rule: activities matching ``match`` counted per ``per`` level.

    ``kind`` ``name_contains`` matches a keyword in the activity's name (Weinan: 食品安全),
    ``category`` an activity category.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["name_contains", "category"]
    match: str
    per: Literal["province", "city", "county"] = "county"


class CampaignConfigured(EventPayload):
    """An admin created or changed a campaign; the payload is the campaign's whole configuration."""

    event_type = "campaign-configured"
    version = 1

    campaign_id: str
    year: int
    title: str
    theme: str | None = None
    week_starts_on: date
    week_ends_on: date
    settings: dict[str, Any] = Field(default_factory=dict)
    registration_opens_on: date | None = None
    registration_closes_on: date | None = None
    info_completion_deadline: date | None = None
    summary_deadline: date | None = None
    recommendation_deadline: date | None = None
    categories: list[str] = Field(default_factory=list)
    joint_actions: list[str] = Field(default_factory=list)
    programmes: list[str] = Field(default_factory=list, description="Flagship programmes, e.g. 千馆展览探未来")
    themes: list[str] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    local_rules: list[LocalRule] = Field(default_factory=list)
    auto_approve: bool = Field(False, description="Activities are public on registration, without content review")


class UnitRegistered(EventPayload):
    """An organizer unit signed up. Contacts are masked here; the clear values stay in registration."""

    event_type = "unit-registered"
    version = 1

    unit_id: str
    name: str
    unit_type: str
    region_code: str
    contact_name_masked: str | None = None
    contact_phone_masked: str | None = None
