"""Near-me: activities within a radius (or the 30-minute circle), nearest first, page by page."""

from __future__ import annotations

from typing import Any

import pytest

from services.registration.directory.geo import EARTH_RADIUS_KM, haversine_km
from shared.events import Envelope

from .conftest import Service
from .directory_support import configured, feed, registered

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
URL = "/api/v1/directory/activities"
HERE = (34.5, 109.5)  # in 临渭区, about 1 km west of its centre
KM_PER_DEGREE = EARTH_RADIUS_KM * 3.141592653589793 / 180


def north_of_here(km: float, **fields: Any) -> Envelope:
    return registered(name=f"{km} 公里外", latitude=HERE[0] + km / KM_PER_DEGREE, longitude=HERE[1], **fields)


async def near(service: Service, **params: Any) -> list[dict[str, Any]]:
    """Every item of a near-me search, all pages walked."""
    items: list[dict[str, Any]] = []
    params = {"near": f"{HERE[0]},{HERE[1]}", **params}
    while True:
        response = await service.client.get(URL, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        params["cursor"] = body["next_cursor"]


@pytest.fixture
async def places(service: Service) -> dict[str, str]:
    events = {
        "1km": north_of_here(1),
        "5km": north_of_here(5),
        "10km": north_of_here(10),
        "14km": north_of_here(14),
        "20km": north_of_here(20),
        "40km": north_of_here(40),
        "centre": registered(name="未填坐标", region_code="610502"),  # placed at 临渭区's centre
        "online": registered(format="online", online_url="https://x.example.cn", latitude=HERE[0], longitude=HERE[1]),
    }
    hidden = north_of_here(2, campaign="unapproved")
    earliest = min(e.time for e in events.values())
    engine = service.container.backbone.engine
    await feed(engine, configured(auto_approve=True, at=earliest.replace(year=2000)), *events.values(), hidden)
    return {name: event.subject for name, event in events.items()}


def names(items: list[dict[str, Any]], places: dict[str, str]) -> list[str]:
    by_id = {value: key for key, value in places.items()}
    return [by_id[item["id"]] for item in items]


@BOTH
async def test_activities_within_the_radius_nearest_first(service: Service, places: dict[str, str]) -> None:
    items = await near(service, radius_km=12)
    assert names(items, places) == ["centre", "1km", "5km", "10km"]
    for item in items:
        position = item["position"]
        assert item["distance_km"] == pytest.approx(
            haversine_km(*HERE, position["latitude"], position["longitude"]), abs=1e-3
        )
    assert items[0]["position"]["source"] == "region" and items[1]["position"]["source"] == "activity"
    assert items[1]["distance_km"] == pytest.approx(1.0, abs=1e-3)
    assert names(await near(service, radius_km=30), places) == ["centre", "1km", "5km", "10km", "14km", "20km"]
    assert names(await near(service, radius_km=0.5), places) == []


@BOTH
async def test_the_30_minute_circle_is_15_km_and_the_default(service: Service, places: dict[str, str]) -> None:
    expected = ["centre", "1km", "5km", "10km", "14km"]
    assert names(await near(service, preset="30min"), places) == expected
    assert names(await near(service), places) == expected


@BOTH
async def test_near_me_pages_walk_in_distance_order(service: Service, places: dict[str, str]) -> None:
    whole = await near(service, radius_km=100)
    paged = await near(service, radius_km=100, limit=2)
    assert [i["id"] for i in paged] == [i["id"] for i in whole] and len(whole) == 7
    distances = [i["distance_km"] for i in whole]
    assert distances == sorted(distances)


async def test_ties_in_distance_are_ordered_by_id_across_pages(service: Service) -> None:
    same_place = [north_of_here(3) for _ in range(5)]
    await feed(
        service.container.backbone.engine,
        configured(auto_approve=True, at=same_place[0].time.replace(year=2000)),
        *same_place,
    )
    paged = await near(service, radius_km=5, limit=2)
    assert [i["id"] for i in paged] == sorted(e.subject for e in same_place)


async def test_near_me_combines_with_search_and_filters(service: Service, places: dict[str, str]) -> None:
    assert names(await near(service, radius_km=30, q="公里外", key_activity="false"), places) == [
        "1km",
        "5km",
        "10km",
        "14km",
        "20km",
    ]
    assert names(await near(service, radius_km=30, region="610113"), places) == []
