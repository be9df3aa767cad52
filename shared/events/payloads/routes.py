"""Payloads of the routes stream: science routes (科普路线) and the public's check-ins along them, keyed by route."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .base import EventPayload


class RouteStop(BaseModel):
    """A stop: a registered activity, or a venue with its name and coordinates."""

    activity_id: str | None = None
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class RoutePublished(EventPayload):
    """An organizer or a reviewing body published (or changed) a science route: the whole route each time."""

    event_type = "route-published"
    version = 1

    route_id: str
    campaign_id: str
    name: str
    description: str | None = None
    stops: list[RouteStop] = Field(description="In the order a visitor follows them")
    owner_unit: str | None = Field(None, description="The organizer unit that made it; None for a reviewing body")


class RouteCheckedIn(EventPayload):
    """A visitor checked in at a stop of a route (联动打卡)."""

    event_type = "route-checked-in"
    version = 1

    route_id: str
    stop_key: str = Field(description="a:<activity id> or v:<venue name>")
    participant_ref: str = Field(description="A pseudonymous, per-route reference to the visitor")
    checked: int = Field(description="How many of the route's stops this visitor has checked in at, this one included")
    completed: bool = Field(description="This check-in completed the route (every stop checked)")
