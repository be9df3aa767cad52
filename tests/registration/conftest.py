"""The registration service in this process on a real database (SQLite, or PostgreSQL where a test asks),
with helpers that sign units up, log them in and configure campaigns through the real code paths."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app
from services.registration.container import Registration
from services.registration.domain.campaign import Campaign
from services.registration.settings import RegistrationSettings
from tests.factories import PASSWORD, open_campaign

_phones = itertools.count(13800000000)


@pytest.fixture(params=["sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The service's database: SQLite by default; ``indirect`` parametrize with "postgresql" too."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@dataclass
class Service:
    """The running service, its HTTP client, and the ways tests act on it."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: RegistrationSettings
    _admin: dict[str, str] = field(default_factory=dict)

    @property
    def container(self) -> Registration:
        return self.app.state.container

    @property
    def engine(self) -> AsyncEngine:
        return self.container.backbone.engine

    @asynccontextmanager
    async def sibling(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client of a second app on the same settings and database, as another API worker or replica
        of the service is (its own container: nothing in memory is shared)."""
        async with _running(self.settings) as (_app, client):
            yield client

    async def organizer(self, *, name: str = "渭南市临渭区实验中学", region_code: str = "610502") -> dict[str, str]:
        """Sign up a new unit and log in; the Authorization header of its organizer account."""
        phone = str(next(_phones))
        body = {
            "name": name,
            "unit_type": "school",
            "region_code": region_code,
            "contact_name": "王建国",
            "contact_phone": phone,
            "password": PASSWORD,
        }
        response = await self.client.post("/api/v1/units", json=body)
        assert response.status_code == 202, response.text
        return await self.login(phone)

    async def staff(
        self, role: str = "admin", level: str | None = None, jurisdiction: str | None = None
    ) -> dict[str, str]:
        """Create a staff account through the operator path and log in."""
        login = f"{role}-{next(_phones)}"
        await self.container.accounts.create_staff(login, PASSWORD, role, level, jurisdiction)  # type: ignore[arg-type]
        return await self.login(login)

    async def admin(self) -> dict[str, str]:
        if not self._admin:
            self._admin = await self.staff("admin")
        return self._admin

    async def login(self, login: str) -> dict[str, str]:
        response = await self.client.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def campaign(self, campaign_id: str = "2026", **changes: Any) -> Campaign:
        """Configure a campaign (open for registration today unless ``changes`` say otherwise)."""
        campaign = replace(open_campaign(campaign_id), **changes)
        current = await self.container.campaigns.get(campaign_id)
        await self.container.campaigns.configure(campaign, current[1] if current else 0)
        return campaign


@pytest.fixture
def settings_changes() -> dict[str, object]:
    """Settings a test module changes for its ``service`` (override this fixture)."""
    return {}


@pytest.fixture
async def service(tmp_path: Path, database: str, settings_changes: dict[str, object]) -> AsyncIterator[Service]:
    settings = RegistrationSettings(
        data_dir=tmp_path,
        database_url=database,
        bus_url=f"embedded:{tmp_path / 'bus.db'}",
        environment="test",
        # searches see each change at once unless a test shares answers on purpose; tests sign many
        # units up from one address unless they test the limits
        **{"directory_answer_max_age_seconds": 0, "sign_ups_per_address": 10_000, **settings_changes},  # type: ignore[arg-type]
    )
    async with _running(settings) as (app, client):
        yield Service(app, client, settings)


@asynccontextmanager
async def _running(settings: RegistrationSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(build_registration(settings))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield app, client
