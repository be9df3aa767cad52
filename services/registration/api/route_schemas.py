"""Request and response schemas of the science routes (科普路线): the workbench's and the public's."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from shared.web.dates import Zoned

from ..directory.routes import PublicRoute
from ..domain.route import Progress, RouteDetails, Stop
from ..service.science_routes import Route

VISITOR = r"^[A-Za-z0-9_-]{16,64}$"
Visitor = Annotated[str, Field(pattern=VISITOR, description="the id the visitor's browser keeps (random)")]


class StopIn(BaseModel):
    activity_id: str | None = Field(None, max_length=64, description="a registered activity of the campaign")
    name: str | None = Field(None, max_length=64, description="a venue's name (instead of an activity)")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class RouteDetailsIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="路线名称")
    description: str | None = Field(None, max_length=2000)
    stops: list[StopIn] = Field(max_length=30, description="in the order a visitor follows them")

    def details(self) -> RouteDetails:
        stops = tuple(Stop(**stop.model_dump()) for stop in self.stops)
        return RouteDetails(self.name, stops, self.description)


class RouteIn(RouteDetailsIn):
    campaign_id: str = Field(min_length=1, max_length=64)


class StopOut(BaseModel):
    key: str = Field(description="what a check-in names: a:<activity id> or v:<venue name>")
    activity_id: str | None
    name: str | None
    latitude: float | None
    longitude: float | None


class RouteOut(BaseModel):
    id: str
    campaign_id: str
    version: int
    name: str
    description: str | None
    stops: list[StopOut]

    @classmethod
    def of(cls, route: Route) -> RouteOut:
        d = route.details
        stops = [StopOut(key=s.key, **_stop(s)) for s in d.stops]
        return cls(
            id=route.route_id,
            campaign_id=route.campaign_id,
            version=route.version,
            name=d.name,
            description=d.description,
            stops=stops,
        )


class RouteList(BaseModel):
    items: list[RouteOut]


class PublicStopOut(StopOut):
    address: str | None = None
    starts_at: Zoned | None = None
    ends_at: Zoned | None = None


class PublicRouteOut(BaseModel):
    id: str
    campaign_id: str
    name: str
    description: str | None
    stops: list[PublicStopOut] = Field(description="in order; an activity stop with its name, place and time")
    completions: int = Field(description="visitors who checked in at every stop (0 in a listing)")

    @classmethod
    def of(cls, route: PublicRoute) -> PublicRouteOut:
        stops = []
        for stop in route.details.stops:
            found = route.activities.get(stop.activity_id) if stop.activity_id else None
            if found is None:
                stops.append(PublicStopOut(key=stop.key, **_stop(stop)))
                continue
            listing = found.listing
            position = found.position
            stops.append(
                PublicStopOut(
                    key=stop.key,
                    activity_id=stop.activity_id,
                    name=listing["name"],
                    latitude=position[0] if position else None,
                    longitude=position[1] if position else None,
                    address=listing.get("address"),
                    starts_at=listing["starts_at"],
                    ends_at=listing["ends_at"],
                )
            )
        d = route.details
        return cls(
            id=route.route_id,
            campaign_id=route.campaign_id,
            name=d.name,
            description=d.description,
            stops=stops,
            completions=route.completions,
        )


class PublicRouteList(BaseModel):
    items: list[PublicRouteOut]


class RouteCheckInIn(BaseModel):
    stop: str = Field(min_length=3, max_length=80, description="the stop's key")
    visitor: Visitor


class ProgressOut(BaseModel):
    checked: list[str] = Field(description="the keys of the stops checked, in route order")
    total: int
    completed: bool

    @classmethod
    def of(cls, progress: Progress) -> ProgressOut:
        return cls(checked=list(progress.checked), total=progress.total, completed=progress.completed)


def _stop(stop: Stop) -> dict[str, Any]:
    return {"activity_id": stop.activity_id, "name": stop.name, "latitude": stop.latitude, "longitude": stop.longitude}
