"""The statistics API over the views: answers equal the views, filters narrow them, and bad input is a
problem+json error. The views are fed through the projections as the consumers would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.analytics.bootstrap import build, create_app
from services.analytics.settings import AnalyticsSettings
from shared.auth import TokenVerifier, public_key_pem
from shared.events import Envelope
from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.participation import FeedbackSubmitted
from shared.store import sync_transaction

from .test_dashboard_support import KEY, bearer
from .test_views import CAMPAIGN, START, delivery, envelope


def registered(n: int, region: str, day: int, name: str = "科普讲座", programme: str | None = None) -> Envelope:
    works = [{"url": f"https://www.bilibili.com/video/{n}", "platform": "B站"}] if programme else []
    starts = datetime(2026, 9, day, 2, 0, tzinfo=UTC)
    payload = ActivityRegistered(
        activity_id=f"a{n}", campaign_id="2026", name=f"{name}{n}", organizer_id=f"u{n % 2}", organizer_name=f"单位{n % 2}",
        region_code=region, starts_at=starts, ends_at=starts + timedelta(hours=1), format="offline",
        category="科普讲座", themes=["卫生健康"], science_worker_count=2, programme=programme,
        online_works=works,
    )  # fmt: skip
    return envelope(payload, f"a{n}", 1, START + timedelta(minutes=n))


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = AnalyticsSettings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
        bus_url=f"embedded:{tmp_path / 'bus.db'}",
        environment="test",
    )
    app = create_app(build(settings, verifier=TokenVerifier(public_key_pem(KEY))))
    async with app.router.lifespan_context(app):
        backbone = app.state.container.backbone
        history = [
            envelope(CAMPAIGN, "2026", 1, START),
            registered(1, "610502", 15, "食品安全进社区"),
            registered(2, "610502", 16, programme="千馆展览探未来"),
            registered(3, "610103", 17, programme="千馆展览探未来"),
            envelope(InfoCompleted(activity_id="a1", completeness=1.0), "a1", 2, START),
            envelope(FeedbackSubmitted(activity_id="a1", rating=4), "a1", 1, START),
            envelope(FeedbackSubmitted(activity_id="a1", rating=5), "a1", 1, START),
        ]
        deliveries = [delivery(e) for e in history]
        for consumer in backbone.consumers:
            projection = consumer.projection
            mine = [d for d in deliveries if d.record.topic in projection.topics]
            if mine and projection.name != "analytics.overview":
                await sync_transaction(backbone.engine, lambda c, p=projection, m=mine: p.apply(c, m))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kepuri", headers=bearer("admin")) as client:
            yield client  # as an admin: the scoreboard is for staff


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1/stats/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_breakdowns_totals_and_filters(client: httpx.AsyncClient) -> None:
    by_county = await get(client, "activities", campaign="2026", by="county")
    assert by_county["totals"]["activities"] == 3 and by_county["totals"]["info_completed"] == 1
    assert [(g["key"], g["name"], g["activities"]) for g in by_county["groups"]] == [
        ("610502", "临渭区", 2),
        ("610103", "碑林区", 1),
    ]
    assert by_county["totals"]["rating_avg"] == 4.5 and by_county["totals"]["science_workers"] == 6
    weinan = await get(client, "activities", campaign="2026", region="6105", by="day")
    assert [(g["key"], g["activities"]) for g in weinan["groups"]] == [("2026-09-15", 1), ("2026-09-16", 1)]
    later = await get(client, "activities", campaign="2026", by="province", date_from="2026-09-16")
    assert later["totals"]["activities"] == 2
    themes = await get(client, "activities", campaign="2026", by="theme")
    assert themes["groups"][0]["key"] == "卫生健康" and themes["groups"][0]["activities"] == 3


async def test_minutes_rules_scoreboard_and_notifications(client: httpx.AsyncClient) -> None:
    minutes = await get(client, "registrations-per-minute", campaign="2026")
    assert [m["registrations"] for m in minutes] == [1, 1, 1]
    [rule] = await get(client, "local-rules", campaign="2026")
    assert rule["total"] == 1 and rule["regions"] == [{"code": "610502", "name": "临渭区", "activities": 1}]
    board = await get(client, "scoreboard", campaign="2026", by="unit")
    assert board["indicators"] == ["活动数量", "参与人数"]
    assert {r["key"]: r["activities"] for r in board["rows"]} == {"u0": 1, "u1": 2}
    assert await get(client, "notifications", campaign="2026") == []
    assert (await get(client, "recommendations", campaign="2026"))["activities"]["county"] == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("activities", {}),  # no campaign
        ("activities", {"campaign": "2026", "region": "6105x"}),
        ("activities", {"campaign": "2026", "by": "colour"}),
        ("activities", {"campaign": "2026", "date_from": "2026-09-20", "date_to": "2026-09-10"}),
        ("activities", {"campaign": "2026", "date_from": "0001-01-01"}),  # out of range: a 422, not a figure
        ("activities", {"campaign": "2026", "date_to": "9999-12-31"}),
        ("local-rules", {"campaign": "2026", "date_to": "2200-01-01"}),
        ("registrations-per-minute", {"campaign": "2026", "since": "yesterday"}),
        ("scoreboard", {"campaign": "2026", "limit": 0}),
    ],
)
async def test_bad_queries_are_problems(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> None:
    response = await client.get(f"/api/v1/stats/{path}", params=params)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_activities_count_per_flagship_programme(client: httpx.AsyncClient) -> None:
    by_programme = await get(client, "activities", campaign="2026", by="programme")
    assert [(g["key"], g["activities"], g["online_works"]) for g in by_programme["groups"]] == [
        ("千馆展览探未来", 2, 2),
        (None, 1, 0),
    ]
    assert by_programme["totals"]["online_works"] == 2
