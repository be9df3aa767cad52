"""Science routes (科普路线) and the flagship-programme filter, through the API on SQLite and PostgreSQL:
an organizer publishes a route of its activities, the public lists it, checks in along it (联动打卡)
and completes it; every rule refused with a 422 naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.registration.adapters.tables import metadata
from shared.events.topics import ROUTES
from tests.factories import activity_body

from .conftest import Service
from .directory_support import configured, feed, registered, updated

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
ROUTES_ON = {"science_map": {"regional_map": True, "science_routes": True, "service_circle_minutes": 30}}
VISITOR = "visitor-0123456789abcdef"


async def two_activities(service: Service, **changes: Any) -> tuple[dict[str, str], list[str]]:
    """A unit with two registered activities of campaign 2026 (routes on), public and started an hour ago."""
    await service.campaign("2026", settings=ROUTES_ON, programmes=("千馆展览探未来", "万场报告话前沿"))
    headers = await service.organizer()
    ids = []
    for name in ("走进科技馆", "院士讲前沿"):
        response = await service.client.post(
            "/api/v1/activities", json=activity_body(name=name, **changes), headers=headers
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    # The directory's own consumer applies the real registrations too; an update at version 2 wins either way.
    names = ("走进科技馆", "院士讲前沿")
    started = [registered(i, name=n, starts_in=timedelta(hours=-1)) for i, n in zip(ids, names, strict=True)]
    moved = [
        updated(i, 2, starts_at=e.data["starts_at"], ends_at=e.data["ends_at"])
        for i, e in zip(ids, started, strict=True)
    ]
    earlier = configured(auto_approve=True, at=started[0].time - timedelta(days=1))
    await feed(service.container.backbone.engine, earlier, *started)
    await feed(service.container.backbone.engine, *moved)
    return headers, ids


def route_body(ids: list[str], **changes: Any) -> dict[str, Any]:
    body = {
        "campaign_id": "2026",
        "name": "临渭科技之旅",
        "description": "从科技馆到报告厅",
        "stops": [
            {"activity_id": ids[0]},
            {"activity_id": ids[1]},
            {"name": "渭南市科技馆", "latitude": 34.5, "longitude": 109.5},
        ],
    }
    return body | changes


@BOTH
async def test_a_route_is_published_listed_checked_in_along_and_completed(service: Service) -> None:
    headers, ids = await two_activities(service)
    created = await service.client.post("/api/v1/science-routes", json=route_body(ids), headers=headers)
    assert created.status_code == 201, created.text
    route = created.json()
    assert created.headers["ETag"] == '"1"'
    assert [s["key"] for s in route["stops"]] == [f"a:{ids[0]}", f"a:{ids[1]}", "v:渭南市科技馆"]

    listed = (await service.client.get("/api/v1/directory/routes", params={"campaign": "2026"})).json()["items"]
    assert [r["name"] for r in listed] == ["临渭科技之旅"]
    assert [s["name"] for s in listed[0]["stops"]] == ["走进科技馆", "院士讲前沿", "渭南市科技馆"]

    url = f"/api/v1/directory/routes/{route['id']}"
    answers = []
    for stop in route["stops"]:
        answer = await service.client.post(f"{url}/check-ins", json={"stop": stop["key"], "visitor": VISITOR})
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    again = await service.client.post(f"{url}/check-ins", json={"stop": route["stops"][0]["key"], "visitor": VISITOR})
    assert [(len(a["checked"]), a["total"], a["completed"]) for a in answers] == [
        (1, 3, False),
        (2, 3, False),
        (3, 3, True),
    ]
    assert again.json()["checked"] == answers[-1]["checked"]
    other = await service.client.get(f"{url}/progress", params={"visitor": "another-visitor-0000"})
    assert other.json() == {"checked": [], "total": 3, "completed": False}
    assert (await service.client.get(url)).json()["completions"] == 1

    outbox = metadata.tables["outbox"]
    async with service.container.backbone.engine.connect() as connection:
        rows = (await connection.execute(select(outbox.c.topic).order_by(outbox.c.id))).scalars().all()
    assert rows.count(ROUTES.name) == 4  # published once, checked in at three stops (the repeat wrote nothing)


@BOTH
async def test_a_route_is_reordered_at_its_version_and_a_stale_one_is_409(service: Service) -> None:
    headers, ids = await two_activities(service)
    route = (await service.client.post("/api/v1/science-routes", json=route_body(ids), headers=headers)).json()
    body = route_body(list(reversed(ids)))
    del body["campaign_id"]
    changed = await service.client.put(
        f"/api/v1/science-routes/{route['id']}", json=body, headers=headers | {"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert [s["activity_id"] for s in changed.json()["stops"][:2]] == list(reversed(ids))
    stale = await service.client.put(
        f"/api/v1/science-routes/{route['id']}", json=body, headers=headers | {"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    other = await service.organizer(name="另一所学校")
    assert (await service.client.get(f"/api/v1/science-routes/{route['id']}", headers=other)).status_code == 404
    assert [
        r["version"] for r in (await service.client.get("/api/v1/science-routes", headers=headers)).json()["items"]
    ] == [2]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda ids: {"stops": [{"activity_id": ids[0]}]}, "stops"),
        (lambda ids: {"stops": [{"activity_id": ids[0]}, {"activity_id": ids[0]}]}, "stops"),
        (lambda ids: {"stops": [{"activity_id": ids[0]}, {"activity_id": "no-such-activity"}]}, "stops"),
        (lambda ids: {"stops": [{"activity_id": ids[0]}, {"name": "科技馆"}]}, "stops"),
        (
            lambda ids: {"stops": [{"activity_id": ids[0]}, {"name": "海外馆", "latitude": 48.8, "longitude": 2.3}]},
            "stops",
        ),
        (lambda ids: {"campaign_id": "2024-off"}, "campaign_id"),
    ],
)
async def test_a_route_that_breaks_a_rule_is_422_naming_the_field(service: Service, edit: Any, field: str) -> None:
    headers, ids = await two_activities(service)
    await service.campaign("2024-off")  # a campaign whose science_map has no routes
    answer = await service.client.post("/api/v1/science-routes", json=route_body(ids, **edit(ids)), headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert (await service.client.get("/api/v1/science-routes", headers=headers)).json()["items"] == []


async def test_another_units_activity_is_not_a_stop_of_an_organizers_route(service: Service) -> None:
    _, ids = await two_activities(service)
    other = await service.organizer(name="另一所学校")
    answer = await service.client.post("/api/v1/science-routes", json=route_body(ids), headers=other)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "stops"


async def test_an_unknown_stop_and_a_bad_visitor_are_refused(service: Service) -> None:
    headers, ids = await two_activities(service)
    route = (await service.client.post("/api/v1/science-routes", json=route_body(ids), headers=headers)).json()
    url = f"/api/v1/directory/routes/{route['id']}/check-ins"
    unknown = await service.client.post(url, json={"stop": "v:别处", "visitor": VISITOR})
    short = await service.client.post(url, json={"stop": route["stops"][0]["key"], "visitor": "x"})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "stop")
    assert short.status_code == 422
    assert (await service.client.get("/api/v1/directory/routes/nope")).status_code == 404


@BOTH
async def test_the_directory_filters_by_programme_and_refuses_one_no_campaign_lists(service: Service) -> None:
    await service.campaign("2026", programmes=("千馆展览探未来", "万场报告话前沿"))
    work = {"url": "https://www.bilibili.com/video/BV1xx411c7mD", "platform": "B站"}
    exhibition = registered(programme="千馆展览探未来", online_works=[work])
    lecture = registered(programme="万场报告话前沿")
    await feed(
        service.container.backbone.engine,
        configured(auto_approve=True, at=exhibition.time - timedelta(days=1)),
        exhibition,
        lecture,
    )
    url = "/api/v1/directory/activities"
    found = (await service.client.get(url, params={"programme": "千馆展览探未来"})).json()["items"]
    assert [a["id"] for a in found] == [exhibition.subject]
    assert found[0]["programme"] == "千馆展览探未来"
    assert found[0]["online_works"] == [work]
    unknown = await service.client.get(url, params={"programme": "百城巡展"})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "programme")


async def test_online_works_are_registered_validated_and_public(service: Service) -> None:
    await service.campaign("2026", settings=ROUTES_ON, programmes=("千万IP创科普",))
    headers = await service.organizer()
    works = [
        {"url": "https://www.douyin.com/video/7400000000000000001", "platform": "抖音"},
        {"url": "https://www.bilibili.com/video/BV1xx411c7mD", "platform": "B站"},
    ]
    body = activity_body(programme="千万IP创科普", online_works=works)
    created = await service.client.post("/api/v1/activities", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["online_works"] == works
    outbox = metadata.tables["outbox"]
    async with service.container.backbone.engine.connect() as connection:
        values = (await connection.execute(select(outbox.c.value).order_by(outbox.c.id))).scalars().all()
    assert any(b"www.bilibili.com" in value for value in values)  # on the activities stream, for the views

    for bad, field in (
        ({"url": "http://www.douyin.com/video/1", "platform": "抖音"}, "online_works.0.url"),
        ({"url": "https://example.cn/v/1", "platform": "某视频网"}, "online_works.0.platform"),
    ):
        refused = await service.client.post(
            "/api/v1/activities", json=activity_body(online_works=[bad]), headers=headers
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field
    twice = activity_body(online_works=[works[0], works[0]])
    refused = await service.client.post("/api/v1/activities", json=twice, headers=headers)
    assert refused.json()["errors"][0]["field"] == "online_works.1.url"
