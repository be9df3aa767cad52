"""The statistics' counters (``activity_counts``) are what the facts add up to, on SQLite and PostgreSQL:
after a varied history, after the whole history delivered again, and after each change that moves an
activity between counters (an update of its region, day, category or themes; a withdrawal; a verdict;
a recommendation and its withdrawal). The migration that adds them fills them from the facts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, delete, update

from services.analytics.adapters.counts_recount import fill, recount
from services.analytics.adapters.statistics import SqlStatistics
from services.analytics.adapters.tables import activity_counts
from services.analytics.bootstrap import MIGRATIONS, build, create_app
from services.analytics.service import statistics as stats
from services.analytics.settings import AnalyticsSettings
from shared.events import CATALOG, EventPayload
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected, RecommendationWithdrawn, Recommended
from shared.store import reading, sync_transaction
from shared.store.migrations import alembic_config

from .history import START, campaign, history
from .test_stats_pinned import feed
from .test_views import stored_counts


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
async def app(tmp_path: Path, database: str) -> AsyncIterator[FastAPI]:
    settings = AnalyticsSettings(
        data_dir=tmp_path, database_url=database, bus_url=f"embedded:{tmp_path / 'bus.db'}", environment="test"
    )
    app = create_app(build(settings))
    async with app.router.lifespan_context(app):
        yield app


async def on(app: FastAPI, work: Any) -> Any:
    return await reading(app.state.container.backbone.engine, lambda c: c.run_sync(work))


async def both(app: FastAPI) -> tuple[dict[Any, list[int]], dict[Any, list[int]]]:
    return await on(app, stored_counts), await on(app, recount)


async def test_counters_are_the_facts_added_up_also_after_a_redelivery(app: FastAPI) -> None:
    events = history()
    await feed(app, events)
    stored, expected = await both(app)
    assert stored == expected and len(stored) > 500
    await feed(app, events, cuts=(3, 99, 150, 151))  # everything delivered again, in other batches
    assert await both(app) == (stored, stored)


async def test_a_counter_out_of_step_with_the_facts_is_found(app: FastAPI) -> None:
    await feed(app, history())
    engine = app.state.container.backbone.engine
    await sync_transaction(
        engine, lambda c: c.execute(update(activity_counts).values(checkins=activity_counts.c.checkins + 1))
    )
    stored, expected = await both(app)
    assert stored != expected
    await sync_transaction(engine, fill)  # the migration's fill puts them right
    stored, expected = await both(app)
    assert stored == expected


async def test_the_migration_fills_the_counters_from_the_facts(app: FastAPI) -> None:
    await feed(app, history())
    before = await on(app, stored_counts)
    engine = app.state.container.backbone.engine

    def down_and_up(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS)
        config.attributes["connection"] = connection
        command.downgrade(config, "19_routes_analytics_0001")
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(down_and_up)
    assert await on(app, stored_counts) == before
    await sync_transaction(engine, lambda c: c.execute(delete(activity_counts)))
    assert await on(app, stored_counts) == {}


def event(payload: EventPayload, subject: str, sequence: int, minutes: int) -> Any:
    e = CATALOG.envelope(payload, subject=subject, sequence=sequence, source="/tests", campaign="2026")
    return e.model_copy(update={"time": START + timedelta(minutes=minutes)})


async def figures(app: FastAPI, by: str, **filters: Any) -> dict[Any, int]:
    where = stats.Filters("2026", **filters)
    rows = await on(app, lambda c: stats.breakdown(SqlStatistics(c), where, by))  # type: ignore[arg-type]
    return {r["key"]: r["activities"] for r in rows}


async def test_each_change_moves_the_activity_between_counters(app: FastAPI) -> None:
    starts = datetime(2026, 9, 15, 2, tzinfo=UTC)
    registered = ActivityRegistered(
        activity_id="a1", campaign_id="2026", name="讲座", organizer_name="单位", region_code="610502",
        starts_at=starts, ends_at=starts + timedelta(hours=1), format="offline", category="科普讲座",
        themes=["卫生健康"],
    )  # fmt: skip
    await feed(app, [event(campaign("2026"), "2026", 1, 0), event(registered, "a1", 1, 1)])
    assert await figures(app, "county") == {"610502": 1}
    assert await figures(app, "review") == {"pending": 1}
    changes = {"region_code": "440106", "category": "科技展览", "themes": ["航空航天"]}
    changes |= {"starts_at": (starts + timedelta(days=1)).isoformat()}
    await feed(app, [event(ActivityUpdated(activity_id="a1", changes=changes), "a1", 2, 2)])
    assert await figures(app, "county") == {"440106": 1}
    assert await figures(app, "category") == {"科技展览": 1}
    assert await figures(app, "theme") == {"航空航天": 1}
    assert await figures(app, "day") == {"2026-09-16": 1}
    assert await figures(app, "province", date_to=datetime(2026, 9, 15).date()) == {}
    await feed(app, [event(ActivityApproved(activity_id="a1", reviewer_body="x"), "a1", 1, 3)])
    await feed(app, [event(ActivityRejected(activity_id="a1", reviewer_body="x", reason="不符"), "a1", 1, 4)])
    assert await figures(app, "review") == {"rejected": 1}
    recommended = Recommended(
        recommendation_id="r1", activity_id="a1", from_body="x", from_level="county", to_level="city", reason="优"
    )
    await feed(app, [event(recommended, "r1", 1, 5)])
    assert await figures(app, "level") == {"city": 1}
    recs = await on(app, lambda c: stats.recommendations(SqlStatistics(c), stats.Filters("2026")))
    assert recs["activities"]["city"] == 1
    await feed(app, [event(RecommendationWithdrawn(recommendation_id="r1", subject="activity", body="x"), "r1", 1, 6)])
    assert await figures(app, "level") == {None: 1}
    await feed(app, [event(ActivityWithdrawn(activity_id="a1"), "a1", 3, 7)])
    assert await figures(app, "province") == {}
    stored, expected = await both(app)
    assert stored == expected == {}
