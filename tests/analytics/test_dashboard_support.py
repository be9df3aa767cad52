"""Helpers of the dashboard tests (no tests here): the real analytics app on a fresh database, events
fed through its projections as its consumers would apply them, view rows inserted directly, and the
app served by uvicorn on a free port with a handle to stop it."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.events import delivery
from harness.ports import free_port
from services.analytics.adapters.counts_recount import fill
from services.analytics.adapters.tables import activity_facts
from services.analytics.bootstrap import build, create_app
from services.analytics.container import Analytics
from services.analytics.projections.dimensions import placeholder, regions
from services.analytics.settings import AnalyticsSettings
from shared.auth import Principal, TokenVerifier, generate_private_key_pem, public_key_pem, sign_token
from shared.events import CATALOG, Envelope, EventPayload
from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured
from shared.store import sync_transaction
from shared.web.auth import Verifier

CAMPAIGN = "2026"
_sequences: dict[str, itertools.count[int]] = {}


KEY = generate_private_key_pem()  # registration's signing key, as far as these tests' apps know
TOKENS = {
    "admin": sign_token(KEY, Principal("admin-1", "admin")),
    "reviewer": sign_token(KEY, Principal("rev-1", "reviewer", level="city", jurisdiction="6105")),
    "organizer": sign_token(KEY, Principal("org-1", "organizer", unit_id="unit-1")),
}


def bearer(role: str = "admin") -> dict[str, str]:
    """The Authorization header of a token of ``role`` that the apps of :func:`analytics_app` accept."""
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def analytics_app(tmp_path: Path, verifier: Verifier | None = None, **overrides: Any) -> FastAPI:
    """The analytics app on a fresh database, verifying tokens with :data:`KEY` unless told otherwise."""
    verifier = verifier or TokenVerifier(public_key_pem(KEY))
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
        "bus_url": f"embedded:{tmp_path / 'bus.db'}",
        "environment": "test",
    }
    values.update(overrides)
    return create_app(build(AnalyticsSettings(**values), verifier=verifier))


def container(app: FastAPI) -> Analytics:
    analytics: Analytics = app.state.container
    return analytics


def engine(app: FastAPI) -> AsyncEngine:
    return container(app).backbone.engine


def envelope(payload: EventPayload, subject: str, campaign: str = CAMPAIGN) -> Envelope:
    counter = _sequences.setdefault(subject, itertools.count(1))
    return CATALOG.envelope(payload, subject=subject, sequence=next(counter), source="/tests", campaign=campaign)


def configured(campaign_id: str = CAMPAIGN, **settings: Any) -> Envelope:
    """The ``campaign-configured`` event of a campaign with ``settings``."""
    payload = CampaignConfigured(
        campaign_id=campaign_id, year=2026, title=f"{campaign_id} 全国科普日", settings=settings,
        week_starts_on=date(2026, 9, 15), week_ends_on=date(2026, 9, 21),
    )  # fmt: skip
    return envelope(payload, campaign_id, campaign_id)


def registered(region_code: str = "610502", category: str | None = "科普讲座", **fields: Any) -> Envelope:
    activity_id = fields.pop("activity_id", None) or uuid.uuid4().hex
    starts = datetime(2026, 9, 16, 1, 0, tzinfo=UTC)
    values: dict[str, Any] = {
        "activity_id": activity_id,
        "campaign_id": CAMPAIGN,
        "name": "走进科技馆",
        "organizer_id": "unit-1",
        "organizer_name": "渭南市科学技术协会",
        "region_code": region_code,
        "category": category,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "format": "offline",
    }
    values.update(fields)
    return envelope(ActivityRegistered(**values), activity_id, values["campaign_id"] or "")


def completed(activity_id: str) -> Envelope:
    return envelope(InfoCompleted(activity_id=activity_id, summary="圆满完成", completeness=0.9), activity_id)


async def feed(app: FastAPI, *envelopes: Envelope) -> None:
    """Apply events to each projection that reads their topic, as its consumer would (one batch each)."""
    deliveries = [delivery(e) for e in envelopes]
    backbone = container(app).backbone
    for consumer in backbone.consumers:
        projection = consumer.projection
        mine = [d for d in deliveries if d.record.topic in projection.topics]
        if mine:
            await sync_transaction(backbone.engine, lambda c, p=projection, m=mine: p.apply(c, m))


async def insert_rows(app: FastAPI, table: Table, rows: list[dict[str, Any]]) -> None:
    """Write view rows straight in; facts rows with the statistics' counters they add up to (as the
    migration that added the counters fills them)."""
    async with engine(app).begin() as connection:
        await connection.execute(insert(table), rows)
        if table is activity_facts:
            await connection.run_sync(fill)


def fact(activity_id: str, **values: Any) -> dict[str, Any]:
    """A whole ``activity_facts`` row: a registered, pending activity in Weinan unless ``values`` say else."""
    region = str(values.pop("region_code", "610502"))
    row = placeholder(activity_id) | regions(region)
    row |= {
        "campaign": CAMPAIGN,
        "organizer_id": "unit-1",
        "organizer_name": "渭南市科学技术协会",
        "name": "走进科技馆",
    }
    row |= {"category": "科普讲座", "format": "offline", "day": "2026-09-16", "version": 1}
    row.update(values)
    return row


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self, timeout_s: float = 10.0) -> float:
        """Ask the server to stop as a signal would; how long it took (it must not wait on open streams)."""
        started = time.monotonic()
        self.server.should_exit = True
        await asyncio.wait_for(asyncio.shield(self.task), timeout_s)
        return time.monotonic() - started


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[Served]:
    """Serve ``app`` (lifespan included) with uvicorn on a free loopback port in this event loop.

    No graceful-shutdown timeout is set: uvicorn would wait for every open response forever, so a
    stream that does not end by itself when the server stops makes :meth:`Served.stop` time out.
    """
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 20
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}: {task}")
        await asyncio.sleep(0.02)
    served = Served(f"http://127.0.0.1:{port}", server, task)
    try:
        yield served
    finally:
        if not task.done():
            server.should_exit = True
            try:
                await asyncio.wait_for(asyncio.shield(task), 15)
            except TimeoutError:
                server.force_exit = True
                await task
