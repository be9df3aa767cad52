"""The argon2id cost is a setting: new hashes take it, and hashes made with another cost still log in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from services.registration.adapters.tables import accounts
from tests.factories import PASSWORD

from .conftest import Service


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192, "password_hash_parallelism": 1}


async def _hashes(service: Service) -> list[str]:
    async with service.container.backbone.engine.connect() as connection:
        return list((await connection.execute(select(accounts.c.password_hash))).scalars())


async def test_new_hashes_take_the_configured_cost(service: Service) -> None:
    await service.organizer()
    (stored,) = await _hashes(service)
    assert stored.startswith("$argon2id$") and "m=8192,t=1,p=1" in stored


async def test_an_account_hashed_with_another_cost_still_logs_in(service: Service) -> None:
    headers = await service.staff("admin")
    assert headers["Authorization"].startswith("Bearer ")
    default = PasswordHasher().hash(PASSWORD)  # as made before the cost was changed
    async with service.container.backbone.engine.begin() as connection:
        await connection.execute(update(accounts).values(password_hash=default))
    (login,) = await _logins(service)
    right = {"login": login, "password": PASSWORD}
    assert (await service.client.post("/api/v1/auth/token", json=right)).status_code == 200
    wrong = {"login": login, "password": PASSWORD + "x"}
    assert (await service.client.post("/api/v1/auth/token", json=wrong)).status_code == 401


async def _logins(service: Service) -> list[str]:
    async with service.container.backbone.engine.connect() as connection:
        return list((await connection.execute(select(accounts.c.login))).scalars())
