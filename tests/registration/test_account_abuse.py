"""Sign-up and login abuse: limits per client address and per login, unknown logins costing what known
ones cost, and a sign-up answer that never says whether the phone already has an account."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import argon2
import httpx
import pytest
from sqlalchemy import func, select

from services.registration.adapters.attempt_buckets import SqlAttemptBuckets
from services.registration.adapters.tables import accounts, attempt_buckets
from services.registration.service.throttles import AccountThrottles
from tests.factories import PASSWORD

from .conftest import Service

_phones = itertools.count(13900000000)
CHEAP = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192, "password_hash_parallelism": 1}


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {
        **CHEAP,
        "sign_ups_per_address": 3,
        "sign_ups_per_phone": 2,
        "sign_up_window_seconds": 3600,
        "login_failures_allowed": 3,
        "login_failures_per_address": 4,
        "login_window_seconds": 900,
    }


@asynccontextmanager
async def at(service: Service, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=service.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://kepuri") as client:
        yield client


def unit(phone: str | None = None, **changes: str) -> dict[str, str]:
    return {
        "name": "渭南市临渭区实验中学",
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": phone or str(next(_phones)),
        "password": PASSWORD,
        **changes,
    }


async def account_count(service: Service) -> int:
    async with service.container.backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(accounts)) or 0)


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert "过多" in response.json()["title"]


async def test_sign_ups_are_limited_per_client_address(service: Service) -> None:
    async with at(service, "203.0.113.7") as client, at(service, "198.51.100.9") as other:
        for _ in range(3):
            assert (await client.post("/api/v1/units", json=unit())).is_success
        before = await account_count(service)
        assert_throttled(await client.post("/api/v1/units", json=unit()))
        assert await account_count(service) == before  # refused before anything is written
        assert (await other.post("/api/v1/units", json=unit())).is_success


async def test_sign_ups_are_limited_per_contact_phone_from_any_address(service: Service) -> None:
    phone = str(next(_phones))
    for address in ("203.0.113.1", "203.0.113.2"):
        async with at(service, address) as client:
            assert (await client.post("/api/v1/units", json=unit(phone))).is_success
    async with at(service, "203.0.113.3") as client:
        assert_throttled(await client.post("/api/v1/units", json=unit(phone)))


async def test_failed_logins_are_limited_per_client_address_across_logins(service: Service) -> None:
    phone = str(next(_phones))
    async with at(service, "192.0.2.10") as attacker, at(service, "192.0.2.20") as organizer:
        assert (await organizer.post("/api/v1/units", json=unit(phone))).is_success
        for k in range(4):  # a different login each time: the per-login limit never trips
            wrong = {"login": f"1360000000{k}", "password": "not-the-password"}
            assert (await attacker.post("/api/v1/auth/token", json=wrong)).status_code == 401
        assert_throttled(await attacker.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD}))
        assert (await organizer.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})).is_success


async def test_failed_logins_are_limited_per_login_across_addresses(service: Service) -> None:
    phone = str(next(_phones))
    await service.client.post("/api/v1/units", json=unit(phone))
    wrong = {"login": phone, "password": "not-the-password"}
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        async with at(service, address) as client:
            assert (await client.post("/api/v1/auth/token", json=wrong)).status_code == 401
    async with at(service, "192.0.2.4") as client:
        assert_throttled(await client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD}))


async def test_successful_logins_do_not_count_against_the_limits(service: Service) -> None:
    phone = str(next(_phones))
    await service.client.post("/api/v1/units", json=unit(phone))
    for _ in range(10):
        assert (await service.client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})).is_success


async def test_the_limits_hold_across_the_processes_of_the_service(service: Service) -> None:
    """Two apps on one database, as two API workers or replicas are: the failures one counts, the
    other refuses on (in memory, each would have allowed the whole limit again)."""
    phone = str(next(_phones))
    await service.client.post("/api/v1/units", json=unit(phone))
    wrong = {"login": phone, "password": "not-the-password"}
    async with service.sibling() as other:
        for client in (service.client, other, service.client):
            assert (await client.post("/api/v1/auth/token", json=wrong)).status_code == 401
        assert_throttled(await other.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD}))
        assert_throttled(await service.client.post("/api/v1/auth/token", json=wrong))


async def test_a_flood_of_new_logins_and_addresses_leaves_no_rows_once_their_buckets_refill(service: Service) -> None:
    clock = [1_000_000.0]
    buckets = SqlAttemptBuckets(service.engine, b"secret", clock=lambda: clock[0], sweep_seconds=10**9)
    limits = AccountThrottles(
        buckets,
        sign_ups_per_address=3,
        sign_ups_per_phone=2,
        sign_up_window_seconds=3600,
        login_failures_per_login=3,
        login_failures_per_address=3,
        login_window_seconds=900,
    )
    for k in range(500):  # a botnet: a new login from a new address each time, every one failing
        await limits.login_attempt(f"1360{k:07d}", f"10.0.{k // 250}.{k % 250}")
        await limits.sign_up(f"1370{k:07d}", f"10.1.{k // 250}.{k % 250}")
    assert await rows(service) == 4 * 500
    clock[0] += 900  # the login buckets have refilled, the sign-up ones (an hour) not yet
    assert await buckets.sweep() == 2 * 500
    clock[0] += 2700
    assert await buckets.sweep() == 2 * 500
    assert await rows(service) == 0


async def rows(service: Service) -> int:
    async with service.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(attempt_buckets))).scalar_one())


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every hash the real argon2 hasher is asked to verify a password against, in order."""
    seen: list[str] = []
    verify: Callable[..., Any] = argon2.PasswordHasher.verify

    def counted(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        seen.append(hash if isinstance(hash, str) else hash.decode())
        return bool(verify(self, hash, password))

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted)
    return seen


async def test_an_unknown_login_costs_one_argon2_verification_of_the_same_parameters(
    service: Service, verifications: list[str]
) -> None:
    phone = str(next(_phones))
    await service.client.post("/api/v1/units", json=unit(phone))
    known = await service.client.post("/api/v1/auth/token", json={"login": phone, "password": "not-the-password"})
    unknown = await service.client.post(
        "/api/v1/auth/token", json={"login": str(next(_phones)), "password": "not-the-password"}
    )
    assert known.status_code == unknown.status_code == 401 and known.json() == unknown.json()
    assert len(verifications) == 2
    configured = argon2.Parameters(
        type=argon2.Type.ID, version=19, salt_len=16, hash_len=32, time_cost=1, memory_cost=8192, parallelism=1
    )
    assert [argon2.extract_parameters(h) for h in verifications] == [configured, configured]


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the real argon2 hasher is asked to hash."""
    seen: list[str] = []
    hash_: Callable[..., str] = argon2.PasswordHasher.hash

    def counted(self: argon2.PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        seen.append(password if isinstance(password, str) else password.decode())
        return hash_(self, password, salt=salt)

    monkeypatch.setattr(argon2.PasswordHasher, "hash", counted)
    return seen


async def test_signing_up_an_existing_phone_answers_exactly_as_a_new_sign_up(
    service: Service, hashes: list[str]
) -> None:
    phone = str(next(_phones))
    async with at(service, "203.0.113.50") as first, at(service, "203.0.113.51") as second:
        new = await first.post("/api/v1/units", json=unit(phone))
        accounts_after_first = await account_count(service)
        again = await second.post("/api/v1/units", json=unit(phone, name="另一个单位", password="another-secret-1"))
    assert new.status_code == again.status_code == 202
    assert new.content == again.content and "409" not in again.text
    per_request = {"date", "x-correlation-id"}
    assert {k: v for k, v in new.headers.items() if k not in per_request} == {
        k: v for k, v in again.headers.items() if k not in per_request
    }
    assert len(hashes) == 2  # the existing phone costs the same argon2 hash as a new one
    assert await account_count(service) == accounts_after_first  # and writes nothing
    token = await service.client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
    assert token.status_code == 200  # the first sign-up's password still logs in; the second changed nothing
