"""Science routes (科普路线, 2024 notice 五（一）1 “发布区域科普地图，打造特色科普路线”): an organizer or a
reviewing body links activities and venues into an ordered route; the public checks in along it
(联动打卡) and completes it by checking in at every stop. Plain values and rules, no I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .activity import LATITUDES, LONGITUDES
from .errors import RuleBroken

MAX_STOPS = 30


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop: a registered activity (``activity_id``), or a venue named with its coordinates."""

    activity_id: str | None = None
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def key(self) -> str:
        """What a check-in names: stable while the route is reordered (``a:<id>`` or ``v:<name>``)."""
        return f"a:{self.activity_id}" if self.activity_id else f"v:{self.name}"


@dataclass(frozen=True, slots=True)
class RouteDetails:
    name: str
    stops: tuple[Stop, ...]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """A visitor's check-ins along a route: the keys of the stops checked, in the route's order."""

    checked: tuple[str, ...]
    total: int

    @property
    def completed(self) -> bool:
        return self.total > 0 and len(self.checked) == self.total


def check(details: RouteDetails, campaign_of: Mapping[str, str | None], campaign_id: str) -> None:
    """Refuse a route that is not a route: fewer than two stops or more than :data:`MAX_STOPS`, a stop
    given twice, a venue without a name or with coordinates outside China, an activity that is not
    registered in the route's campaign (``campaign_of``: each activity stop's campaign, absent if unknown)."""
    if not details.name.strip():
        raise RuleBroken("name", "请填写路线名称 (the route needs a name)")
    if not 2 <= len(details.stops) <= MAX_STOPS:
        raise RuleBroken("stops", f"路线须有 2 至 {MAX_STOPS} 个站点 (a route has 2 to {MAX_STOPS} stops)")
    seen: set[str] = set()
    for number, stop in enumerate(details.stops, start=1):
        _check_stop(stop, number, campaign_of, campaign_id)
        if stop.key in seen:
            raise RuleBroken("stops", f"第 {number} 站与前面的站点重复 (stop {number} is already on the route)")
        seen.add(stop.key)


def _check_stop(stop: Stop, number: int, campaign_of: Mapping[str, str | None], campaign_id: str) -> None:
    if stop.activity_id:
        if stop.name or stop.latitude is not None or stop.longitude is not None:
            raise RuleBroken(
                "stops", f"第 {number} 站：活动站点不填场馆名称和坐标 (an activity stop names only the activity)"
            )
        if campaign_of.get(stop.activity_id, "") != campaign_id:
            raise RuleBroken(
                "stops",
                f"第 {number} 站：活动 {stop.activity_id} 不是本年度已登记的活动 (not an activity of campaign {campaign_id})",
            )
        return
    if not stop.name or not stop.name.strip():
        raise RuleBroken("stops", f"第 {number} 站：请选择活动或填写场馆名称 (give an activity or a venue name)")
    if stop.latitude is None or stop.longitude is None:
        raise RuleBroken("stops", f"第 {number} 站：场馆须填写经纬度 (a venue needs its latitude and longitude)")
    if not (LONGITUDES[0] <= stop.longitude <= LONGITUDES[1] and LATITUDES[0] <= stop.latitude <= LATITUDES[1]):
        raise RuleBroken("stops", f"第 {number} 站：坐标不在中国境内 (the coordinates are not in China)")


def require_routes_on(science_map: object, campaign_id: str) -> None:
    """A campaign takes routes only where its ``science_map`` setting says ``science_routes = true``
    (2024: “打造特色科普路线”); other notices ask for none."""
    if not (isinstance(science_map, Mapping) and science_map.get("science_routes") is True):
        raise RuleBroken(
            "campaign_id", f"活动年度 {campaign_id} 未开设科普路线 (the campaign's science_map has no science_routes)"
        )


def progress(stops: tuple[Stop, ...], checked: Collection[str]) -> Progress:
    """The stops of ``stops`` that ``checked`` (keys) holds, in route order; stops since removed do not count."""
    return Progress(checked=tuple(s.key for s in stops if s.key in checked), total=len(stops))
