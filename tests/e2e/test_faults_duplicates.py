"""Fault 5: duplicate deliveries forced on a settled platform, on both buses.

Registrations, a withdrawal, check-ins and a rating have gone round the streams; then the relay is
run again over every already-published outbox row (as after a crash between publishing and marking),
and a window of the activities topic is published again as new records (as a producer retry does).
Once every consumer has applied all of it, every view is exactly what it was: the API answers and the
rows of analytics' views and registration's directory.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.factories import activity_body
from services.analytics.adapters.tables import metadata as analytics_metadata
from services.registration.adapters.tables import directory_activities, directory_campaigns
from services.registration.adapters.tables import metadata as registration_metadata
from shared.bus import Message
from shared.events.topics import ACTIVITIES
from tests.e2e.conftest import Platform
from tests.e2e.test_failures import read_topic
from tests.fixtures.invariants import CAMPAIGN

BACKBONE = {"events", "outbox", "tracking", "idempotency_keys"}


async def _rows(engine: AsyncEngine, tables: list[Any], leave_out: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    async with engine.connect() as connection:
        return {
            t.name: sorted(
                (await connection.execute(select(*(c for c in t.c if c.name not in leave_out)))).all(), key=repr
            )
            for t in tables
            if t.name not in BACKBONE
        }


async def _views(platform: Platform, ids: list[str]) -> dict[str, Any]:
    await asyncio.sleep(1.2)  # statistics answers are shared for a second
    answers: dict[str, Any] = {"overview": (await platform.analytics.get("/api/v1/stats/overview")).json()}
    for by in ("province", "theme", "day"):
        stats = await platform.analytics.get("/api/v1/stats/activities", params={"campaign": CAMPAIGN, "by": by})
        answers[f"stats-{by}"] = stats.json()
    for activity_id in ids:
        listed = (await platform.registration.get(f"/api/v1/directory/activities/{activity_id}")).json()
        answers[activity_id] = listed  # check-in and rating tallies included: each event counts once
    analytics = platform.analytics_app.state.container.backbone.engine
    registration = platform.registration_app.state.container.backbone.engine
    answers["analytics-rows"] = await _rows(analytics, list(analytics_metadata.sorted_tables))
    answers["directory-rows"] = await _rows(registration, [directory_activities, directory_campaigns])
    return answers


def _consumers(platform: Platform) -> list[Any]:
    apps = (platform.registration_app, platform.analytics_app)
    return [c for app in apps for c in app.state.container.backbone.consumers]


async def test_duplicate_deliveries_leave_every_view_unchanged(platform: Platform) -> None:
    r = platform.registration
    bodies = [activity_body(region_code=code) for code in ("610502", "110101") * 5]
    bodies[1] = activity_body(region_code="440305", starts_in=timedelta(minutes=-10))  # held now: check-ins open
    created = await asyncio.gather(*(r.post("/api/v1/activities", json=body) for body in bodies))
    ids = [c.json()["id"] for c in created]
    withdrawn = await r.post(f"/api/v1/activities/{ids[0]}/withdrawal", json={}, headers={"If-Match": '"1"'})
    assert withdrawn.status_code == 200
    async with asyncio.timeout(30):
        while (await r.get(f"/api/v1/directory/activities/{ids[1]}")).status_code != 200:
            await asyncio.sleep(0.05)
    for _ in range(3):
        assert (await r.post(f"/api/v1/directory/activities/{ids[1]}/check-ins")).status_code == 202
    assert (await r.post(f"/api/v1/directory/activities/{ids[1]}/feedback", json={"rating": 4})).status_code == 202
    async with asyncio.timeout(30):
        while (await r.get(f"/api/v1/directory/activities/{ids[1]}")).json()["check_ins"] != 3:
            await asyncio.sleep(0.05)
        while (await _totals(platform)) != (9, 3, 1):
            await asyncio.sleep(0.1)
    before = await _views(platform, ids)

    backbone = platform.registration_app.state.container.backbone
    outbox = registration_metadata.tables["outbox"]
    applied = {c.group: c.applied for c in _consumers(platform)}
    async with backbone.engine.begin() as connection:
        per_topic = dict(
            (await connection.execute(select(outbox.c.topic, func.count()).group_by(outbox.c.topic))).all()
        )
        await connection.execute(update(outbox).values(published_at=None))  # the relay runs over all of it again
    backbone.relay.wake()
    duplicates = Counter(per_topic)
    window = (await read_topic(platform.bus_url, ACTIVITIES.name, expected=per_topic[ACTIVITIES.name]))[:6]
    await backbone.bus.publish([Message(x.topic, x.key, x.value, x.headers) for x in window])
    duplicates[ACTIVITIES.name] += len(window)

    async with asyncio.timeout(60):  # every group has applied every duplicate on its topics
        for consumer in _consumers(platform):
            expected = applied[consumer.group] + sum(duplicates[t] for t in consumer.projection.topics)
            while consumer.applied < expected:
                await asyncio.sleep(0.05)
    after = await _views(platform, ids)
    assert _differences(before, after) == []


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """What changed, view by view (rows of a table compared one by one)."""
    changed: list[tuple[str, Any, Any]] = []
    for name in before.keys() | after.keys():
        old: Any = before.get(name)
        new: Any = after.get(name)
        if isinstance(old, dict) and name.endswith("-rows"):
            for table in old.keys() | new.keys():
                gone = [row for row in old.get(table, []) if row not in new.get(table, [])]
                came = [row for row in new.get(table, []) if row not in old.get(table, [])]
                if gone or came:
                    changed.append((f"{name}.{table}", gone, came))
        elif old != new:
            changed.append((name, old, new))
    return changed


async def _totals(platform: Platform) -> tuple[int, int, int]:
    stats = await platform.analytics.get("/api/v1/stats/activities", params={"campaign": CAMPAIGN})
    totals = stats.json()["totals"]
    return totals["activities"], totals["checkins"], totals["feedback"]
