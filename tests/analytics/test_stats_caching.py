"""Public statistics any cache may keep: a strong ``ETag`` and ``public, max-age=1`` for a public
campaign's figures (the same whoever asks), ``private`` for staff reading a campaign whose statistics
are not public and for the per-unit scoreboard; 304 on a matching ``If-None-Match`` from the shared
answer, without a query; the tag changes when the figures change and only then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from services.analytics.adapters.tables import metadata
from services.analytics.api.access import STATISTICS
from shared.web.answer_cache import Answers
from shared.web.conditional import PRIVATE

from .test_dashboard_support import CAMPAIGN, analytics_app, bearer, configured, container, feed, registered

CLOSED = "2026-closed"
BACKBONE = {"outbox", "tracking", "events", "idempotency_keys", "counted_events"}
VIEWS = sorted(set(metadata.tables) - BACKBONE)  # what the statistics and the access check read
PUBLIC = STATISTICS.cache_control
ROUTES = [
    ("/api/v1/stats/activities", {"by": "province"}),
    ("/api/v1/stats/registrations-per-minute", {}),
    ("/api/v1/stats/recommendations", {}),
    ("/api/v1/stats/notifications", {}),
    ("/api/v1/stats/local-rules", {}),
    ("/api/v1/stats/overview", {}),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
async def app(tmp_path: Path, database: str) -> AsyncIterator[FastAPI]:
    app = analytics_app(tmp_path, database_url=database)
    async with app.router.lifespan_context(app):
        await feed(app, configured(CAMPAIGN), configured(CLOSED, public_statistics=False), registered("610502"))
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
        yield client


def forget(app: FastAPI) -> None:
    """Forget the answers of the last second, as a second passing would."""
    container(app).answers = Answers()


async def test_every_public_statistic_is_public_tagged_and_answered_304(client: httpx.AsyncClient) -> None:
    assert PUBLIC == "public, max-age=1, stale-while-revalidate=2"
    for path, params in ROUTES:
        query = {"campaign": CAMPAIGN, **params}
        answer = await client.get(path, params=query)
        assert answer.status_code == 200 and answer.content, (path, answer.text)
        etag = answer.headers["etag"]
        assert answer.headers["cache-control"] == PUBLIC and not etag.startswith("W/"), path
        # a staff member's token does not change a public answer: the same tag, still public
        staff = await client.get(path, params=query, headers={**bearer("admin"), "If-None-Match": etag})
        assert staff.status_code == 304 and staff.content == b"", path
        assert staff.headers["etag"] == etag and staff.headers["cache-control"] == PUBLIC


async def test_a_campaign_whose_statistics_are_not_public_is_never_answered_public(client: httpx.AsyncClient) -> None:
    assert PRIVATE.cache_control == "private, no-cache"
    for path, params in ROUTES:
        query = {"campaign": CLOSED, **params}
        refused = await client.get(path, params=query, headers={"If-None-Match": "*"})
        assert refused.status_code == 401 and "etag" not in refused.headers, path
        assert "public" not in refused.headers.get("cache-control", "")
        staff = await client.get(path, params=query, headers=bearer("reviewer"))
        assert staff.status_code == 200 and staff.headers["cache-control"] == "private, no-cache", path
        again = await client.get(
            path, params=query, headers={**bearer("reviewer"), "If-None-Match": staff.headers["etag"]}
        )
        assert again.status_code == 304 and again.headers["cache-control"] == "private, no-cache"
    board = await client.get("/api/v1/stats/scoreboard", params={"campaign": CAMPAIGN}, headers=bearer("reviewer"))
    assert board.status_code == 200 and board.headers["cache-control"] == "private, no-cache"  # per jurisdiction


async def test_the_tag_changes_when_the_figures_change_and_only_then(app: FastAPI, client: httpx.AsyncClient) -> None:
    query = {"campaign": CAMPAIGN, "by": "county"}
    url = "/api/v1/stats/activities"
    before = (await client.get(url, params=query)).headers["etag"]
    forget(app)
    unchanged = await client.get(url, params=query, headers={"If-None-Match": before})
    assert unchanged.status_code == 304  # recomputed, same figures, same tag
    overview = await client.get("/api/v1/stats/overview", params={"campaign": CAMPAIGN})

    await feed(app, registered("610103"))
    forget(app)
    changed = await client.get(url, params=query, headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed.headers["etag"] != before
    assert changed.json()["totals"]["activities"] == 2
    moved = await client.get(
        "/api/v1/stats/overview", params={"campaign": CAMPAIGN}, headers={"If-None-Match": overview.headers["etag"]}
    )
    assert moved.status_code == 200 and moved.json()["total"] == 2


async def test_a_shared_answer_is_revalidated_without_a_query(app: FastAPI, client: httpx.AsyncClient) -> None:
    query = {"campaign": CAMPAIGN, "by": "province"}
    url = "/api/v1/stats/activities"
    etag = (await client.get(url, params=query)).headers["etag"]
    statements: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if any(name in statement for name in VIEWS):  # the relay's polls of the outbox do not count
            statements.append(statement)

    engine = container(app).backbone.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert (await client.get(url, params=query, headers={"If-None-Match": etag})).status_code == 304
        assert statements == [], statements
        forget(app)  # the shared answer aged: asked again, once
        assert (await client.get(url, params=query, headers={"If-None-Match": etag})).status_code == 304
        assert statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
