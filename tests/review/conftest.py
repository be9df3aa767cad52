"""The review service in this process on a real database (SQLite, or PostgreSQL where a test asks).

Tokens are signed here with a test key, as registration would sign them; the streams review
consumes are fed to its view through the view's own ``apply`` (as its consumer does), so a test
states exactly what review has seen.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from harness.events import delivery
from services.review.bootstrap import build, create_app
from services.review.container import Review
from services.review.projections.review_view import ReviewView
from services.review.settings import ReviewSettings
from shared.auth import Principal, TokenVerifier, generate_private_key_pem, public_key_pem, sign_token
from shared.events import CATALOG, Envelope, EventPayload
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured, UnitRegistered
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.store import sync_transaction

KEY = generate_private_key_pem()
SOURCE = "/tests"
_sequences: dict[str, itertools.count[int]] = {}


@pytest.fixture(params=["sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The service's database: SQLite by default; ``indirect`` parametrize with "postgresql" too."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'review.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


def headers(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_token(KEY, principal)}"}


def reviewer(level: str, jurisdiction: str | None = None) -> dict[str, str]:
    """A reviewing body's token: ``reviewer("city", "6105")``, ``reviewer("national", "society:卫生健康")``."""
    return headers(Principal(f"reviewer-{uuid.uuid4().hex[:8]}", "reviewer", level=level, jurisdiction=jurisdiction))


def admin() -> dict[str, str]:
    return headers(Principal("admin-1", "admin"))


def organizer(unit_id: str = "unit-1") -> dict[str, str]:
    return headers(Principal(f"account-{unit_id}", "organizer", unit_id=unit_id))


def envelope(payload: EventPayload, subject: str, sequence: int | None = None) -> Envelope:
    """``payload`` as its aggregate's next event (or at ``sequence``)."""
    counter = _sequences.setdefault(subject, itertools.count(1))
    return CATALOG.envelope(payload, subject=subject, sequence=sequence or next(counter), source=SOURCE)


def chain(**settings: Any) -> dict[str, Any]:
    """A recommendation chain (default: county → city → province → national)."""
    return {"levels": ["county", "city", "province"], "forward_to": "national", **settings}


def campaign(campaign_id: str = "2026", *, recommendation: dict[str, Any] | None = None, **fields: Any) -> Envelope:
    """``campaign-configured``: the week a month ago, recommendations until a month ahead unless told."""
    today = date.today()
    values: dict[str, Any] = {
        "campaign_id": campaign_id,
        "year": today.year,
        "title": f"{today.year}年全国科普日",
        "week_starts_on": today - timedelta(days=30),
        "week_ends_on": today - timedelta(days=24),
        "recommendation_deadline": today + timedelta(days=30),
        "indicators": ["组织动员", "数量规模"],
        "settings": {"recommendation": recommendation if recommendation is not None else chain()},
    }
    values.update(fields)
    return envelope(CampaignConfigured(**values), campaign_id)


def unit(unit_id: str = "unit-1", region_code: str = "610502", **fields: Any) -> Envelope:
    values = {"unit_id": unit_id, "name": f"{region_code}科普单位", "unit_type": "school", "region_code": region_code}
    values.update(fields)
    return envelope(UnitRegistered(**values), unit_id)


def activity(
    activity_id: str | None = None, *, unit_id: str = "unit-1", region_code: str = "610502", **fields: Any
) -> Envelope:
    """``activity-registered`` of campaign 2026 in 临渭区 (610502) unless told."""
    activity_id = activity_id or uuid.uuid4().hex
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(days=28)
    values: dict[str, Any] = {
        "activity_id": activity_id,
        "campaign_id": "2026",
        "name": "走进科技馆",
        "organizer_id": unit_id,
        "organizer_name": f"{region_code}科普单位",
        "region_code": region_code,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "format": "offline",
        "category": "系列联合行动",
        "joint_action": "学会科普联合行动",
        "themes": ["卫生健康"],
        "science_worker_count": 3,
    }
    values.update(fields)
    return envelope(ActivityRegistered(**values), activity_id)


def updated(activity_id: str, **changes: Any) -> Envelope:
    return envelope(ActivityUpdated(activity_id=activity_id, changes=changes), activity_id)


def withdrawn(activity_id: str) -> Envelope:
    return envelope(ActivityWithdrawn(activity_id=activity_id), activity_id)


def info_completed(activity_id: str, completeness: float = 0.9) -> Envelope:
    payload = InfoCompleted(
        activity_id=activity_id, summary="活动圆满完成", actual_participants=120, completeness=completeness
    )
    return envelope(payload, activity_id)


def check_in(activity_id: str) -> Envelope:
    payload = ParticipationRecorded(activity_id=activity_id, participant_ref=uuid.uuid4().hex)
    return CATALOG.envelope(payload, subject=activity_id, sequence=1, source=SOURCE)


def feedback(activity_id: str, rating: int) -> Envelope:
    payload = FeedbackSubmitted(activity_id=activity_id, rating=rating)
    return CATALOG.envelope(payload, subject=activity_id, sequence=1, source=SOURCE)


@dataclass
class Service:
    """The running review service, its HTTP client, and the ways tests act on it."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def container(self) -> Review:
        return self.app.state.container

    async def feed(self, *envelopes: Envelope) -> None:
        """Apply events to review's view as its consumer would (one batch, one transaction)."""
        deliveries = [delivery(e) for e in envelopes]
        await sync_transaction(self.container.backbone.engine, lambda c: ReviewView().apply(c, deliveries))

    async def eligible(self, *, unit_id: str = "unit-1", region_code: str = "610502", **fields: Any) -> str:
        """An activity that is registered, approved and info-completed; its id."""
        registered = activity(unit_id=unit_id, region_code=region_code, **fields)
        await self.feed(registered, info_completed(registered.subject))
        answer = await self.client.post(
            f"/api/v1/review/activities/{registered.subject}/approve", json={}, headers=admin()
        )
        assert answer.status_code == 200, answer.text
        return registered.subject


@pytest.fixture
async def service(tmp_path: Path, database: str) -> AsyncIterator[Service]:
    settings = ReviewSettings(
        data_dir=tmp_path,
        database_url=database,
        bus_url=f"embedded:{tmp_path / 'bus.db'}",
        environment="test",
    )
    app = create_app(build(settings, verifier=TokenVerifier(public_key_pem(KEY))))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield Service(app, client)
