"""The statistics' answers, pinned byte for byte: every route of ``/api/v1/stats`` (and the dashboard's
snapshot) over a fixed varied history (:mod:`.history`), with every filter and dimension, must answer
exactly the bytes recorded in ``stats_pinned.json``, on SQLite and on PostgreSQL.

The file was recorded from the statistics as they were before the counters (aggregates over
``activity_facts`` at request time), so the counters answer exactly what those aggregates did.
Re-record it only for a deliberate change of an answer: ``KEPURI_PIN_STATS=1 pytest …test_stats_pinned.py``.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.analytics.bootstrap import build, create_app
from services.analytics.domain.statistics import DIMENSIONS
from services.analytics.settings import AnalyticsSettings
from shared.auth import TokenVerifier, public_key_pem
from shared.events import Envelope
from shared.store import sync_transaction

from .history import CAMPAIGNS, history
from .test_dashboard_support import KEY, bearer
from .test_views import delivery

PINNED = Path(__file__).with_name("stats_pinned.json")
REGIONS = (None, "61", "6105", "610502", "44", "4403", "11", "52")
SPANS = ((None, None), ("2026-09-15", None), (None, "2026-09-16"), ("2026-09-16", "2026-09-16"))
CUTS = (7, 40, 41, 90, 200, 201, 260)  # batch boundaries: a batch may hold several events of one activity


def questions() -> list[tuple[str, dict[str, str]]]:
    """Every question asked: a route and its query parameters."""
    asked: list[tuple[str, dict[str, str]]] = [("overview", {}), ("notifications", {})]
    for campaign in (*CAMPAIGNS, "1999"):
        c = {"campaign": campaign}
        asked += [("notifications", c), ("registrations-per-minute", c), ("dashboard", c)]
        asked += [("registrations-per-minute", c | {"since": "2026-09-01T10:05", "until": "2026-09-01T12:00"})]
        for region, (since, until) in itertools.product(REGIONS, SPANS):
            where = c | {k: v for k, v in (("region", region), ("date_from", since), ("date_to", until)) if v}
            asked += [("recommendations", where), ("local-rules", where)]
            asked += [("activities", where | {"by": by}) for by in DIMENSIONS]
            asked += [("scoreboard", where | {"by": by}) for by in ("unit", "province", "city", "county")]
            asked += [("scoreboard", where | {"by": "county", "limit": "2"})]
    return asked


async def feed(app: Any, events: list[Envelope], cuts: tuple[int, ...] = CUTS) -> None:
    """Apply ``events`` through the app's projections in batches cut at ``cuts``, as its consumers would."""
    backbone = app.state.container.backbone
    deliveries = [delivery(e) for e in events]
    bounds = sorted({0, len(deliveries), *(c for c in cuts if c < len(deliveries))})
    for start, end in itertools.pairwise(bounds):
        for consumer in backbone.consumers:
            projection = consumer.projection
            mine = [d for d in deliveries[start:end] if d.record.topic in projection.topics]
            if mine:
                await sync_transaction(backbone.engine, lambda c, p=projection, m=mine: p.apply(c, m))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
async def client(tmp_path: Path, database: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = AnalyticsSettings(
        data_dir=tmp_path, database_url=database, bus_url=f"embedded:{tmp_path / 'bus.db'}", environment="test"
    )
    app = create_app(build(settings, verifier=TokenVerifier(public_key_pem(KEY))))
    async with app.router.lifespan_context(app):
        await feed(app, history())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kepuri", headers=bearer("admin")) as c:
            yield c


async def answers(client: httpx.AsyncClient) -> dict[str, Any]:
    """Each question's status and body (the dashboard's snapshot less its live operations figures)."""
    out: dict[str, Any] = {}
    for path, params in questions():
        response = await client.get(f"/api/v1/stats/{path}", params=params)
        key = f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
        body = response.text
        if path == "dashboard" and response.status_code == 200:
            snapshot = response.json()
            snapshot.pop("operations", None)
            snapshot.pop("generated_at", None)
            body = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
        out[key] = [response.status_code, body]
    return out


async def test_every_answer_is_the_pinned_one(client: httpx.AsyncClient) -> None:
    got = await answers(client)
    if os.environ.get("KEPURI_PIN_STATS") == "1":
        PINNED.write_text(json.dumps(got, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert set(got) == set(pinned)
    differ = [k for k in pinned if got[k] != pinned[k]]
    assert not differ, f"{len(differ)} answers differ, e.g. {differ[0]}: {got[differ[0]]} != {pinned[differ[0]]}"
    assert sum(1 for status, _ in pinned.values() if status == 200) > 0.9 * len(pinned)
