"""The walking skeleton on both buses: a registration becomes a count in analytics' overview."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from harness.factories import activity_body
from services.registration.adapters.tables import metadata
from tests.e2e.conftest import Platform

REGIONS = ["110101", "310104", "610502", "610502", "440305", "6105", "61"]


def activity(region_code: str, name: str = "走进科技馆", starts_in: timedelta = timedelta(days=30)) -> dict[str, Any]:
    """A registration body for the open test campaign, starting ``starts_in`` from now, lasting two hours."""
    return activity_body(region_code=region_code, name=name, starts_in=starts_in)


async def overview_when(platform: Platform, total: int, timeout: float = 30) -> dict[str, object]:
    """The overview once it counts ``total`` activities (fails after ``timeout`` seconds)."""
    async with asyncio.timeout(timeout):
        while True:
            body: dict[str, object] = (await platform.analytics.get("/api/v1/stats/overview")).json()
            if body["total"] == total:
                return body
            await asyncio.sleep(0.05)


async def test_registrations_are_counted_by_province(platform: Platform) -> None:
    responses = await asyncio.gather(
        *(platform.registration.post("/api/v1/activities", json=activity(r)) for r in REGIONS)
    )
    assert [r.status_code for r in responses] == [201] * len(REGIONS)
    overview = await overview_when(platform, len(REGIONS))
    expected = Counter(r[:2] for r in REGIONS)
    assert overview["provinces"] == [{"code": code, "activities": n} for code, n in sorted(expected.items())]


async def test_a_withdrawn_activity_leaves_the_count(platform: Platform) -> None:
    created = (await platform.registration.post("/api/v1/activities", json=activity("610502"))).json()
    await overview_when(platform, 1)
    response = await platform.registration.post(
        f"/api/v1/activities/{created['id']}/withdrawal", json={"reason": "场地调整"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.headers["ETag"] == '"2"'
    await overview_when(platform, 0)


async def test_concurrent_writers_one_wins_the_other_gets_409(platform: Platform) -> None:
    created = (await platform.registration.post("/api/v1/activities", json=activity("610502"))).json()
    url = f"/api/v1/activities/{created['id']}/withdrawal"
    first, second = await asyncio.gather(
        platform.registration.post(url, json={"reason": "a"}, headers={"If-Match": '"1"'}),
        platform.registration.post(url, json={"reason": "b"}, headers={"If-Match": '"1"'}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.headers["content-type"] == "application/problem+json"
    assert "version" in loser.json()["detail"]
    events = await _count(platform, "events")
    assert events == 2  # the registration and exactly one withdrawal


async def test_an_activity_that_has_started_cannot_be_withdrawn(platform: Platform) -> None:
    body = activity("610502", starts_in=timedelta(hours=-1))
    created = (await platform.registration.post("/api/v1/activities", json=body)).json()
    response = await platform.registration.post(
        f"/api/v1/activities/{created['id']}/withdrawal", json={}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "starts_at"
    assert await _count(platform, "events") == 1


async def test_a_stale_version_is_409(platform: Platform) -> None:
    created = (await platform.registration.post("/api/v1/activities", json=activity("610502"))).json()
    response = await platform.registration.post(
        f"/api/v1/activities/{created['id']}/withdrawal", json={}, headers={"If-Match": '"7"'}
    )
    assert response.status_code == 409


async def test_a_retried_post_with_the_same_idempotency_key_registers_once(platform: Platform) -> None:
    headers = {"Idempotency-Key": "retry-42"}
    responses = await asyncio.gather(
        *(platform.registration.post("/api/v1/activities", json=activity("610502"), headers=headers) for _ in range(3))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    reused = await platform.registration.post("/api/v1/activities", json=activity("110101"), headers=headers)
    assert reused.status_code == 422 and reused.headers["content-type"] == "application/problem+json"
    assert await _count(platform, "events") == 1
    await overview_when(platform, 1)


async def _count(platform: Platform, table: str) -> int:
    """Rows of ``table``, leaving out the events of the fixture's campaign and unit."""
    engine = platform.registration_app.state.container.backbone.engine
    t = metadata.tables[table]
    query = select(func.count()).select_from(t)
    if table == "events":
        query = query.where(t.c.type.not_in(["campaign-configured", "unit-registered"]))
    async with engine.connect() as connection:
        return int(await connection.scalar(query) or 0)
