"""The public directory's API schemas: what the anonymous public sends and receives.

An answer carries an activity's public fields only: never a contact (not even masked), never the
organizer's unit id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.web.dates import Zoned

from ..directory.criteria import Found


class OnlineWork(BaseModel):
    url: str
    platform: str


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
    starts_at: Zoned
    ends_at: Zoned
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
    science_workers: int = Field(
        0, description="how many science workers take part (the count only; listed before the directory kept it: 0)"
    )
    online_works: list[OnlineWork] = Field(default_factory=list, description="网络科普作品 (千万IP创科普)")
    position: Position | None = Field(description="where near-me places it; none for online-only activities")
    check_ins: int
    rating_count: int
    rating_average: float | None
    distance_km: float | None = Field(None, description="great-circle distance from ``near`` (near-me only)")

    @staticmethod
    def answer(found: Found) -> dict[str, Any]:
        """The JSON of one activity, built directly from its stored public fields (no model validation:
        they were validated as a ``Listing`` when the view stored them)."""
        listing = found.listing
        position = None
        if found.position is not None:
            own = listing.get("latitude") is not None and listing.get("longitude") is not None
            position = {
                "latitude": found.position[0],
                "longitude": found.position[1],
                "source": "activity" if own else "region",
            }
        return {
            "id": found.activity_id,
            "name": listing["name"],
            "organizer": listing["organizer_name"],
            "co_organizers": listing.get("co_organizers", []),
            "campaign_id": listing.get("campaign_id"),
            "region_code": listing["region_code"],
            "starts_at": _iso(listing["starts_at"]),
            "ends_at": _iso(listing["ends_at"]),
            "format": listing["format"],
            "category": listing.get("category"),
            "joint_action": listing.get("joint_action"),
            "programme": listing.get("programme"),
            "themes": listing.get("themes", []),
            "target_groups": listing.get("target_groups", []),
            "key_activity": listing.get("key_activity", False),
            "expected_participants": listing.get("expected_participants"),
            "online_url": listing.get("online_url"),
            "address": listing.get("address"),
            "description": listing.get("description"),
            "science_workers": listing.get("science_worker_count", 0),
            "online_works": listing.get("online_works", []),
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


def _iso(stored: str) -> str:
    """A stored timestamp as the API writes it (``+00:00``, as ``datetime.isoformat``)."""
    return datetime.fromisoformat(stored).isoformat()


class Region(BaseModel):
    code: str = Field(description="GB/T 2260 code: 2 digits a province, 4 a city, 6 a county")
    name: str


class RegionList(BaseModel):
    items: list[Region]
