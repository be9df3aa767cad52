"""The public directory's API schemas: what the anonymous public sends and receives.

An answer carries an activity's public fields only: never a contact (not even masked), never the
organizer's unit id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..directory.criteria import Found


class Position(BaseModel):
    latitude: float
    longitude: float
    source: Literal["activity", "region"] = Field(
        description="activity: the organizer's coordinates; region: the centre of its division (none given)"
    )


class DirectoryActivityOut(BaseModel):
    id: str
    name: str
    organizer: str
    co_organizers: list[str]
    campaign_id: str | None
    region_code: str
    starts_at: datetime
    ends_at: datetime
    format: str
    category: str | None
    joint_action: str | None
    programme: str | None
    themes: list[str]
    target_groups: list[str]
    key_activity: bool
    expected_participants: int | None
    online_url: str | None
    address: str | None
    description: str | None
    position: Position | None = Field(description="where near-me places it; none for online-only activities")
    check_ins: int
    rating_count: int
    rating_average: float | None
    distance_km: float | None = Field(None, description="great-circle distance from ``near`` (near-me only)")

    @staticmethod
    def answer(found: Found) -> dict[str, Any]:
        """The JSON of one activity, built directly (the hot read path skips model validation)."""
        listing = found.listing
        position = None
        if found.position is not None:
            source = "activity" if listing.own_position is not None else "region"
            position = {"latitude": found.position[0], "longitude": found.position[1], "source": source}
        return {
            "id": found.activity_id,
            "name": listing.name,
            "organizer": listing.organizer_name,
            "co_organizers": listing.co_organizers,
            "campaign_id": listing.campaign_id,
            "region_code": listing.region_code,
            "starts_at": listing.starts_at.isoformat(),
            "ends_at": listing.ends_at.isoformat(),
            "format": listing.format,
            "category": listing.category,
            "joint_action": listing.joint_action,
            "programme": listing.programme,
            "themes": listing.themes,
            "target_groups": listing.target_groups,
            "key_activity": listing.key_activity,
            "expected_participants": listing.expected_participants,
            "online_url": listing.online_url,
            "address": listing.address,
            "description": listing.description,
            "position": position,
            "check_ins": found.check_ins,
            "rating_count": found.ratings,
            "rating_average": found.rating_average,
            "distance_km": found.distance_km,
        }


class DirectoryPage(BaseModel):
    items: list[DirectoryActivityOut]
    next_cursor: str | None = Field(description="pass as ``cursor`` for the next page; null on the last")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: str | None = Field(None, max_length=500)


class Accepted(BaseModel):
    event_id: str = Field(description="the id of the event that records it")
