"""Who may read what analytics serves (issue 17): the operations dashboard, its stream (with the
consumer-lag figures) and the per-unit scoreboard need a staff token (reviewer or admin); the aggregate
statistics and summary exports are public unless the campaign's ``public_statistics`` setting is false.
The dashboard refuses unknown campaigns and keeps a bounded cache; its streams are bounded in all and
per client address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.analytics.api.errors import problem_of
from services.analytics.domain.errors import ClientStreamsFull, StreamsFull
from services.analytics.operations_dashboard.hub import DashboardHub
from services.analytics.operations_dashboard.limits import StreamSlots
from shared.web.answer_cache import Answers
from shared.web.problems import MEDIA_TYPE

from .test_dashboard_support import CAMPAIGN, analytics_app, bearer, configured, feed, registered, serving

CLOSED = "2026-closed"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = analytics_app(tmp_path)
    async with app.router.lifespan_context(app):
        await feed(app, configured(CAMPAIGN), configured(CLOSED, public_statistics=False), registered("610502"))
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
        yield client


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"]
    return body


STAFF_ONLY = ("/api/v1/stats/dashboard", "/api/v1/stats/scoreboard")


@pytest.mark.parametrize("path", STAFF_ONLY)
async def test_operations_data_needs_a_staff_token(client: httpx.AsyncClient, path: str) -> None:
    params = {"campaign": CAMPAIGN}
    problem(await client.get(path, params=params), 401)
    problem(await client.get(path, params=params, headers={"Authorization": "Bearer not-a-token"}), 401)
    problem(await client.get(path, params=params, headers=bearer("organizer")), 403)
    for role in ("reviewer", "admin"):
        answer = await client.get(path, params=params, headers=bearer(role))
        assert answer.status_code == 200, (role, answer.text)


async def test_the_dashboard_without_a_campaign_needs_a_staff_token_too(client: httpx.AsyncClient) -> None:
    problem(await client.get("/api/v1/stats/dashboard"), 401)
    snapshot = (await client.get("/api/v1/stats/dashboard", headers=bearer("admin"))).json()
    assert snapshot["counters"]["activities"] == 1 and "groups" in snapshot["operations"]


async def test_the_stream_needs_a_staff_token_and_sends_the_snapshot_to_staff(tmp_path: Path) -> None:
    app = analytics_app(tmp_path)
    async with serving(app) as served, httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        await feed(app, configured(CAMPAIGN), registered("610502"))
        url = "/api/v1/stats/dashboard/stream"
        problem(await client.get(url, params={"campaign": CAMPAIGN}), 401)
        problem(await client.get(url, params={"campaign": CAMPAIGN}, headers=bearer("organizer")), 403)
        async with client.stream("GET", url, params={"campaign": CAMPAIGN}, headers=bearer("reviewer")) as stream:
            assert stream.status_code == 200
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    assert '"activities":1' in line.replace(" ", "")
                    break


async def test_statistics_are_public_unless_the_campaign_says_otherwise(client: httpx.AsyncClient) -> None:
    public = [
        ("/api/v1/stats/activities", {"by": "province"}),
        ("/api/v1/stats/registrations-per-minute", {}),
        ("/api/v1/stats/recommendations", {}),
        ("/api/v1/stats/notifications", {}),
        ("/api/v1/stats/local-rules", {}),
        ("/api/v1/stats/overview", {}),
        ("/api/v1/exports/by-region.csv", {}),
        ("/api/v1/exports/by-category.xlsx", {}),
    ]
    for path, params in public:
        open_answer = await client.get(path, params={"campaign": CAMPAIGN, **params})
        assert open_answer.status_code == 200, (path, open_answer.text)
        closed = {"campaign": CLOSED, **params}
        detail = problem(await client.get(path, params=closed), 401)["detail"]
        assert "public_statistics" in detail, detail
        problem(await client.get(path, params=closed, headers=bearer("organizer")), 403)
        assert (await client.get(path, params=closed, headers=bearer("reviewer"))).status_code == 200, path


async def test_the_all_campaigns_overview_is_public_only_when_every_campaign_is(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
        problem(await client.get("/api/v1/stats/overview"), 401)
        assert (await client.get("/api/v1/stats/overview", headers=bearer("admin"))).json()["total"] == 1
        await feed(app, configured(CLOSED, public_statistics=True))
        app.state.container.answers = Answers()  # forget the answers of the last second
        assert (await client.get("/api/v1/stats/overview")).json()["total"] == 1


async def test_a_dashboard_of_an_unknown_campaign_is_404_and_never_cached(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for n in range(5):
        body = problem(
            await client.get("/api/v1/stats/dashboard", params={"campaign": f"x{n}"}, headers=bearer("admin")), 404
        )
        assert f"x{n}" in body["detail"]
    stream = await client.get("/api/v1/stats/dashboard/stream", params={"campaign": "x9"}, headers=bearer("admin"))
    problem(stream, 404)
    hub: DashboardHub = app.state.container.dashboard
    assert hub.cached_campaigns() == 0


async def test_the_dashboards_cache_keeps_at_most_the_configured_number_of_campaigns(tmp_path: Path) -> None:
    app = analytics_app(tmp_path, dashboard_campaigns=3)
    async with app.router.lifespan_context(app):
        await feed(app, *(configured(f"c{n}") for n in range(6)))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            for n in range(6):
                answer = await client.get(
                    "/api/v1/stats/dashboard", params={"campaign": f"c{n}"}, headers=bearer("admin")
                )
                assert answer.status_code == 200
            assert app.state.container.dashboard.cached_campaigns() == 3


def test_stream_slots_bound_all_streams_and_each_client_address() -> None:
    slots = StreamSlots(total=3, per_client=2)
    first = slots.take("10.0.0.1")
    slots.take("10.0.0.1")
    with pytest.raises(ClientStreamsFull) as per_client:
        slots.take("10.0.0.1")
    answer = problem_of(per_client.value)
    assert answer.status == 429 and answer.headers and "Retry-After" in answer.headers
    slots.take("10.0.0.2")
    with pytest.raises(StreamsFull) as total:
        slots.take("10.0.0.3")
    answer = problem_of(total.value)
    assert answer.status == 503 and answer.headers and "Retry-After" in answer.headers
    first.release()
    first.release()  # releasing twice frees one slot, not two
    slots.take("10.0.0.3")
    with pytest.raises(StreamsFull):
        slots.take("10.0.0.4")
    assert slots.open == 3 and slots.of("10.0.0.1") == 1


async def test_streams_past_the_limits_are_refused_and_a_closed_stream_frees_its_slot(tmp_path: Path) -> None:
    app = analytics_app(tmp_path, dashboard_streams=5, dashboard_streams_per_client=1)
    async with serving(app) as served, httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        await feed(app, configured(CAMPAIGN))
        url, params = "/api/v1/stats/dashboard/stream", {"campaign": CAMPAIGN}
        async with client.stream("GET", url, params=params, headers=bearer("admin")) as first:
            assert first.status_code == 200
            lines = first.aiter_lines()  # read on without closing it (leaving an `async for` would)
            while not (await anext(lines)).startswith("data: "):
                pass
            refused = await client.get(url, params=params, headers=bearer("reviewer"))
            assert int(problem(refused, 429)["status"]) == 429 and refused.headers["retry-after"]
        slots: StreamSlots = app.state.container.slots
        await wait_until(lambda: slots.open == 0)
        async with client.stream("GET", url, params=params, headers=bearer("admin")) as again:
            assert again.status_code == 200


async def wait_until(check: Any, timeout_s: float = 10) -> None:
    async with asyncio.timeout(timeout_s):
        while not check():
            await asyncio.sleep(0.05)


async def test_a_reviewer_sees_the_scoreboard_of_its_jurisdiction_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    await feed(app, registered("610103", organizer_id="unit-2", organizer_name="西安市科技馆"))
    url, params = "/api/v1/stats/scoreboard", {"campaign": CAMPAIGN, "by": "county"}
    admin = (await client.get(url, params=params, headers=bearer("admin"))).json()
    assert {row["key"] for row in admin["rows"]} == {"610502", "610103"}
    reviewer = (await client.get(url, params=params, headers=bearer("reviewer"))).json()  # a reviewer of 6105
    assert {row["key"] for row in reviewer["rows"]} == {"610502"}
    problem(await client.get(url, params={**params, "region": "61"}, headers=bearer("reviewer")), 403)
