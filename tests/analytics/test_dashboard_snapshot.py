"""The dashboard's snapshot against a brute-force recount of the view rows, its map against the region
names, its operations table against real metrics endpoints, and its event stream over real HTTP."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client import Counter as PromCounter

from harness.ports import free_port
from services.analytics.adapters.dashboard_snapshot import activity_snapshot
from services.analytics.adapters.tables import activity_facts, notification_counts, registrations_per_minute
from services.analytics.operations_dashboard.geo import VENDORED, province_names
from services.analytics.operations_dashboard.operations import OperationsReader
from services.analytics.settings import AnalyticsSettings
from shared.consumer.metrics import DEAD_LETTERS, ERRORS, LAG
from shared.regions import PackagedRegions
from shared.web.answer_cache import Cached

from .test_dashboard_support import (
    CAMPAIGN,
    analytics_app,
    bearer,
    configured,
    engine,
    fact,
    feed,
    insert_rows,
    registered,
    serving,
)

COUNTIES = ["610502", "610103", "110101", "440106", "650102", "320102", "330106", "510104", "420102", "370102"]
COUNTIES += ["410102", "130102", "540102", "150102"]
CATEGORIES = [f"类别{i:02d}" for i in range(12)] + [None]
LEVELS = [None, None, "county", "city", "province", "national"]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = analytics_app(tmp_path)
    async with app.router.lifespan_context(app):
        yield app


def random_rows(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    facts = []
    for i in range(150):
        feedback = rng.randint(0, 4)
        facts.append(
            fact(
                f"a{i}",
                campaign=rng.choice([CAMPAIGN, CAMPAIGN, "2025"]),
                region_code=rng.choice(COUNTIES),
                category=rng.choice(CATEGORIES),
                withdrawn=rng.random() < 0.2,
                version=0 if rng.random() < 0.1 else rng.randint(1, 5),
                info_completed=rng.random() < 0.5,
                level=rng.choice(LEVELS),
                science_workers=rng.randint(0, 20),
                checkins=rng.randint(0, 50),
                feedback=feedback,
                rating_sum=sum(rng.randint(1, 5) for _ in range(feedback)),
            )
        )
    notices = [
        {"campaign": c, "kind": k, "channel": ch, "outcome": o, "messages": rng.randint(1, 30)}
        for c in (CAMPAIGN, "2025")
        for k in ("thank-you", "reminder")
        for ch in ("sms", "email")
        for o in ("sent", "failed")
    ]
    minutes = [
        {"campaign": c, "minute": f"2026-09-10T{10 + m // 60:02d}:{m % 60:02d}", "registrations": rng.randint(1, 9)}
        for c, count in ((CAMPAIGN, 75), ("2025", 30))
        for m in range(0, count * 2, 2 if c == "2025" else 1)
    ]
    return facts, notices, minutes


def recount(
    facts: list[dict[str, Any]], notices: list[dict[str, Any]], minutes: list[dict[str, Any]], campaign: str | None
) -> dict[str, Any]:
    """What the snapshot must say, counted row by row in Python."""
    names = PackagedRegions()
    mine = [r for r in facts if campaign in (None, r["campaign"]) and r["version"] > 0 and not r["withdrawn"]]
    n, done, feedback = len(mine), sum(r["info_completed"] for r in mine), sum(r["feedback"] for r in mine)
    ratings = sum(r["rating_sum"] for r in mine)
    sent = sum(x["messages"] for x in notices if campaign in (None, x["campaign"]) and x["outcome"] == "sent")
    failed = sum(x["messages"] for x in notices if campaign in (None, x["campaign"]) and x["outcome"] == "failed")
    per_minute: Counter[str] = Counter()
    for x in minutes:
        if campaign in (None, x["campaign"]):
            per_minute[x["minute"]] += x["registrations"]
    provinces = Counter(r["province"] for r in mine)
    province_list = [{"code": c, "name": names.name(c), "activities": provinces[c]} for c in sorted(provinces)]
    categories = Counter(r["category"] for r in mine if r["category"] is not None)
    return {
        "campaign": campaign,
        "counters": {
            "activities": n,
            "info_completed": done,
            "completion_rate": round(done / n, 4) if n else 0.0,
            "science_workers": sum(r["science_workers"] for r in mine),
            "checkins": sum(r["checkins"] for r in mine),
            "feedback": feedback,
            "average_rating": round(ratings / feedback, 2) if feedback else None,
            "notifications_sent": sent,
            "notifications_failed": failed,
        },
        "recommendations": {
            lv: sum(r["level"] == lv for r in mine) for lv in ("county", "city", "province", "national")
        },
        "registrations_per_minute": [{"minute": m, "registrations": per_minute[m]} for m in sorted(per_minute)[-60:]],
        "provinces": province_list,
        "top_provinces": sorted(province_list, key=lambda p: (-p["activities"], p["code"]))[:10],
        "top_categories": [
            {"category": c, "activities": k} for c, k in sorted(categories.items(), key=lambda x: (-x[1], x[0]))[:10]
        ],
    }


async def test_snapshot_equals_a_brute_force_recount(app: FastAPI) -> None:
    facts, notices, minutes = random_rows(random.Random(2026))
    await insert_rows(app, activity_facts, facts)
    await insert_rows(app, notification_counts, notices)
    await insert_rows(app, registrations_per_minute, minutes)
    for campaign in (CAMPAIGN, "2025", None, "no-such-campaign"):
        snapshot = await activity_snapshot(engine(app), campaign)
        got = snapshot.model_dump(mode="json", exclude={"operations", "generated_at"})
        assert got == recount(facts, notices, minutes, campaign), campaign
    whole = await activity_snapshot(engine(app), CAMPAIGN)
    assert len(whole.provinces) > 10 and len(whole.top_provinces) == 10  # the cut is exercised
    assert len(whole.registrations_per_minute) == 60


async def test_watchers_share_one_computation_and_a_slow_one_is_taken_less_often() -> None:
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return calls

    cached = Cached(compute, max_age_s=0.0)
    assert await asyncio.gather(*(cached.get() for _ in range(20))) == [1] * 20
    assert await cached.get() == 1  # it took 0.05 s: not taken again within 5 x 0.05 s
    await asyncio.sleep(0.3)
    assert await cached.get() == 2


def test_the_map_names_the_provinces_as_the_snapshot_does() -> None:
    geo = json.loads(VENDORED.read_text(encoding="utf-8"))
    features = {f["properties"]["code"]: f["properties"]["name"] for f in geo["features"]}
    regions = PackagedRegions()
    packaged = {c: regions.name(c) for c in (f"{n:02d}" for n in range(10, 100)) if regions.name(c)}
    assert len(packaged) == 33 and packaged["61"] == "陕西省" and packaged["81"] == "香港特别行政区"
    assert features == province_names() == packaged | {"71": "台湾省"}
    assert all(f["geometry"]["coordinates"] for f in geo["features"])
    assert VENDORED.stat().st_size < 200 * 1024


def peer_app(registry: CollectorRegistry) -> FastAPI:
    peer = FastAPI()

    @peer.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")

    @peer.get("/garbage")
    async def garbage() -> Response:
        return Response("this is { not metrics", media_type="text/plain")

    return peer


async def test_operations_sum_this_process_and_peers_and_show_unreachable_ones() -> None:
    group = "dashboard-test.ops"
    LAG.labels(group, "kepuri.activities.v1", "0").set(4)
    LAG.labels(group, "kepuri.activities.v1", "1").set(3)
    ERRORS.labels(group).inc(2)
    DEAD_LETTERS.labels(group).inc(1)
    registry = CollectorRegistry()  # another service's process: same metric names, its own figures
    Gauge("kepuri_consumer_lag", "", ["group", "topic", "partition"], registry=registry).labels(group, "t", "0").set(10)
    PromCounter("kepuri_consumer_errors_total", "", ["group"], registry=registry).labels(group).inc(5)
    PromCounter("kepuri_consumer_dead_letters_total", "", ["group"], registry=registry).labels("peer.only").inc(7)
    async with serving(peer_app(registry)) as peer:
        down = f"http://127.0.0.1:{free_port()}/metrics"
        reader = OperationsReader([f"{peer.url}/metrics", down, f"{peer.url}/garbage"], timeout_s=1.0)
        operations = await reader.read()
    groups = {g.group: g for g in operations.groups}
    assert (groups[group].lag, groups[group].errors, groups[group].dead_letters) == (17, 7, 1)
    assert groups["peer.only"].dead_letters == 7
    status = {s.source: s.status for s in operations.sources}
    assert status == {
        "analytics": "ok",
        f"{peer.url}/metrics": "ok",
        down: "unreachable",
        f"{peer.url}/garbage": "unreachable",
    }
    assert all(s.error for s in operations.sources if s.status == "unreachable")


def test_peers_setting_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_ANALYTICS_PEERS_METRICS", "http://127.0.0.1:8001/metrics, http://127.0.0.1:8002/metrics")
    assert AnalyticsSettings().peers_metrics == ["http://127.0.0.1:8001/metrics", "http://127.0.0.1:8002/metrics"]
    monkeypatch.delenv("KEPURI_ANALYTICS_PEERS_METRICS")
    assert AnalyticsSettings().peers_metrics == []


async def next_event(lines: AsyncIterator[str], timeout_s: float = 5.0) -> dict[str, Any]:
    """The next ``data:`` event of a server-sent event stream, parsed."""

    async def read() -> dict[str, Any]:
        async for line in lines:
            if line.startswith("data: "):
                event: dict[str, Any] = json.loads(line.removeprefix("data: "))
                return event
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), timeout_s)


async def test_stream_sends_the_snapshot_then_each_change_and_ends_with_the_server(tmp_path: Path) -> None:
    app = analytics_app(tmp_path)
    async with serving(app) as served, httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        await feed(
            app, configured(), *(registered("610502") for _ in range(3)), registered("110101", category="科技展览")
        )
        params = {"campaign": CAMPAIGN}
        client.headers.update(bearer("reviewer"))
        async with client.stream("GET", "/api/v1/stats/dashboard/stream", params=params) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            first = await next_event(lines)
            plain = (await client.get("/api/v1/stats/dashboard", params=params)).json()
            assert first["counters"] == plain["counters"] and first["counters"]["activities"] == 4
            assert (
                first["provinces"]
                == plain["provinces"]
                == [
                    {"code": "11", "name": "北京市", "activities": 1},
                    {"code": "61", "name": "陕西省", "activities": 3},
                ]
            )
            await feed(app, registered("440106"))
            second = await next_event(lines)
            assert second["counters"]["activities"] == 5
            assert {p["name"] for p in second["provinces"]} == {"北京市", "陕西省", "广东省"}
        # the client went away: its stream ends on the server (Starlette cancels it on the disconnect)
        hub = app.state.container.dashboard
        for _ in range(50):
            if hub.open_streams == 0:
                break
            await asyncio.sleep(0.1)
        assert hub.open_streams == 0
        # a stream still open when the server stops ends at once: uvicorn does not wait on it
        async with client.stream("GET", "/api/v1/stats/dashboard/stream", params=params) as response:
            lines = response.aiter_lines()
            assert (await next_event(lines))["counters"]["activities"] == 5
            took = await served.stop(timeout_s=8)
            assert took < 5
            rest = [line async for line in lines]
            assert not any(line.startswith("data: ") for line in rest)
