"""Payloads of the activities stream: an activity's registration, changes, withdrawal and completion."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import EventPayload

ActivityFormat = Literal["offline", "online", "both"]


class ActivityRegisteredV1(EventPayload):
    """v1, superseded: the first published shape, before an activity had a format."""

    event_type = "activity-registered"
    version = 1

    activity_id: str
    campaign_id: str | None = None
    name: str
    organizer_name: str
    region_code: str
    starts_at: datetime
    ends_at: datetime


class OnlineWorkRef(BaseModel):
    """An online work (网络科普作品) of the 千万IP programme: its https URL and the platform it is on."""

    url: str
    platform: str


class PublicActivity(BaseModel):
    """An activity's public fields, named once: the registration event carries them, and the directory
    lists exactly these (no contact, masked or not, and no unit id is among them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    campaign_id: str | None = None
    name: str
    organizer_name: str
    co_organizers: list[str] = Field(default_factory=list)
    region_code: str
    starts_at: datetime
    ends_at: datetime
    format: ActivityFormat
    category: str | None = None
    joint_action: str | None = None
    programme: str | None = None
    themes: list[str] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    key_activity: bool = False
    expected_participants: int | None = None
    online_url: str | None = None
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    description: str | None = None
    science_worker_count: int = 0
    online_works: list[OnlineWorkRef] = Field(
        default_factory=list,
        description="千万IP创科普: the organizer's online works (网络科普作品), each a URL and platform",
    )


class ActivityRegistered(EventPayload, PublicActivity):
    """An organizer registered (submitted) an activity inside the registration window."""

    # its public fields come from PublicActivity; these are the ones the directory never shows

    event_type = "activity-registered"
    version = 2

    activity_id: str
    organizer_id: str | None = None
    contact_phone_masked: str | None = None
    live_url: str | None = Field(None, description="直播网址 of an online activity (optional; added in issue 19)")
    live_starts_at: datetime | None = Field(None, description="直播开始 (optional; added in issue 19)")
    live_ends_at: datetime | None = Field(None, description="直播结束 (optional; added in issue 19)")
    contact_name_masked: str | None = None


class ActivityUpdated(EventPayload):
    """Fields of a registered activity changed; only the changed fields are present in ``changes``."""

    event_type = "activity-updated"
    version = 1

    activity_id: str
    changes: dict[str, object] = Field(
        description="The new values of the changed fields, named as in activity-registered (contacts masked)"
    )


class ActivityWithdrawn(EventPayload):
    """The organizer withdrew the activity before it was held."""

    event_type = "activity-withdrawn"
    version = 1

    activity_id: str
    reason: str | None = None


class MediaReference(BaseModel):
    """An uploaded photo or video: its content-addressed key and where the one origin serves it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str
    kind: Literal["photo", "video"]
    url: str = Field(description="path on the site's origin, e.g. /api/v1/media/<sha256>.jpg (immutable)")
    thumbnail_url: str | None = Field(None, description="a photo's thumbnail (at most 480 px a side)")


class InfoCompleted(EventPayload):
    """After the activity, the organizer completed its information (photos, reports, turnout)."""

    event_type = "info-completed"
    version = 1

    activity_id: str
    photo_urls: list[str] = Field(default_factory=list)
    video_urls: list[str] = Field(default_factory=list)
    news_urls: list[str] = Field(default_factory=list)
    actual_participants: int | None = None
    summary: str | None = None
    completeness: float = Field(ge=0, le=1)
    media: list[MediaReference] = Field(
        default_factory=list, description="photos and videos uploaded to the platform (optional; added in issue 19)"
    )
