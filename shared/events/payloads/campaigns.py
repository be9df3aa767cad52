"""Payloads of the campaigns and units streams."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from .base import EventPayload


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
