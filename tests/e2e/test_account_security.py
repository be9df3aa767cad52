"""Account abuse and token revocation against the services as OS processes, as an attacker meets them:
sign-ups and failed logins limited per client address (behind a trusted proxy, and not fooled by a
forged X-Forwarded-For without one) and per login; a sign-up that never says whether a phone has an
account; a disabled account's token refused by all four services within the refresh interval; a
key id that is missing or unknown refused by registration; an unreachable key set a 503."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from harness.factories import CAMPAIGN, PASSWORD, organizer_headers
from harness.processes import ServiceProcess
from services.registration.bootstrap import build
from services.registration.settings import RegistrationSettings
from shared.auth import Principal, sign_token
from shared.store.migrations import migrate

CHEAP = {
    "registration_password_hash_time_cost": "1",
    "registration_password_hash_memory_kib": "8192",
    "registration_password_hash_parallelism": "1",
}
LIMITS = {
    "registration_sign_ups_per_address": "3",
    "registration_sign_ups_per_phone": "2",
    "registration_login_failures_allowed": "3",
    "registration_login_failures_per_address": "4",
    "token_revocation_refresh_seconds": "1",
}
ORGANIZER_PHONE = "13700000001"  # organizer_headers' unit


async def prepare(data_dir: Path) -> dict[str, str]:
    """Registration's database before its process starts: the open campaign, an organizer, an admin."""
    settings = RegistrationSettings(
        data_dir=data_dir, password_hash_time_cost=1, password_hash_memory_kib=8192, password_hash_parallelism=1
    )
    registration = build(settings)
    await migrate(registration.backbone.engine, "services.registration:migrations")
    await registration.backbone.writer.start()
    try:
        headers = await organizer_headers(registration, ORGANIZER_PHONE)
        await registration.accounts.create_staff("ops-admin", PASSWORD, "admin")
        return headers
    finally:
        await registration.backbone.writer.stop()
        await registration.backbone.engine.dispose()


def unit(phone: str, name: str = "渭南市临渭区实验中学") -> dict[str, str]:
    return {
        "name": name,
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": phone,
        "password": PASSWORD,
    }


def from_(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0


@pytest.fixture
async def organizer(tmp_path: Path) -> dict[str, str]:
    """The organizer's Authorization header, from the database prepared before registration starts."""
    return await prepare(tmp_path)


@pytest.fixture
def registration(tmp_path: Path, organizer: dict[str, str]) -> Iterator[ServiceProcess]:
    process = ServiceProcess("registration", tmp_path, f"embedded:{tmp_path / 'bus.db'}", **CHEAP, **LIMITS)
    try:
        yield process
    finally:
        process.stop()


async def test_sign_ups_and_failed_logins_are_limited_per_address_and_per_login(
    registration: ServiceProcess,
) -> None:
    registration.start()
    async with httpx.AsyncClient(base_url=registration.url, timeout=30) as client:
        # behind the trusted local proxy, each client is its own X-Forwarded-For address
        for k in range(3):
            assert (
                await client.post("/api/v1/units", json=unit(f"1390000000{k}"), headers=from_("203.0.113.1"))
            ).status_code == 202
        assert_throttled(await client.post("/api/v1/units", json=unit("13900000009"), headers=from_("203.0.113.1")))
        assert (
            await client.post("/api/v1/units", json=unit("13900000009"), headers=from_("203.0.113.2"))
        ).status_code == 202

        # an existing phone: the very answer a new one gets, then the phone's own limit
        new = await client.post("/api/v1/units", json=unit("13911112222"), headers=from_("203.0.113.3"))
        again = await client.post("/api/v1/units", json=unit("13911112222", "别的单位"), headers=from_("203.0.113.4"))
        assert new.status_code == again.status_code == 202 and new.content == again.content
        assert_throttled(await client.post("/api/v1/units", json=unit("13911112222"), headers=from_("203.0.113.5")))

        wrong = "not-the-password"
        for k in range(4):  # one address, four logins
            login = {"login": f"1360000000{k}", "password": wrong}
            assert (
                await client.post("/api/v1/auth/token", json=login, headers=from_("198.51.100.1"))
            ).status_code == 401
        right = {"login": "13911112222", "password": PASSWORD}
        assert_throttled(await client.post("/api/v1/auth/token", json=right, headers=from_("198.51.100.1")))
        for k in range(3):  # one login, three addresses
            login = {"login": "13911112222", "password": wrong}
            assert (
                await client.post("/api/v1/auth/token", json=login, headers=from_(f"198.51.100.{10 + k}"))
            ).status_code == 401
        assert_throttled(await client.post("/api/v1/auth/token", json=right, headers=from_("198.51.100.20")))

    # with no trusted proxy, a forged X-Forwarded-For does not make a new client
    registration.stop()
    registration.env["KEPURI_TRUSTED_PROXIES"] = ""
    registration.start()
    async with httpx.AsyncClient(base_url=registration.url, timeout=30) as client:
        for k in range(3):
            assert (
                await client.post("/api/v1/units", json=unit(f"1380000000{k}"), headers=from_(f"192.0.2.{k}"))
            ).status_code == 202
        assert_throttled(await client.post("/api/v1/units", json=unit("13800000009"), headers=from_("192.0.2.99")))


PROBES = {  # a call each service answers only after verifying the token (anything but 401 / 503 when valid)
    "registration": "/api/v1/dashboard",
    "review": "/api/v1/review/queue",
    "notification": "/api/v1/messages",
    "analytics": f"/api/v1/exports/by-region.csv?campaign={CAMPAIGN}",
}


@contextlib.asynccontextmanager
async def four_services(tmp_path: Path, registration: ServiceProcess) -> AsyncIterator[dict[str, ServiceProcess]]:
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    registration.start()
    jwks = f"{registration.url}/api/v1/auth/jwks.json"
    others = {
        name: ServiceProcess(name, tmp_path, bus_url, **{f"{name}_jwks_url": jwks, **LIMITS, **extra})
        for name, extra in (("review", {}), ("notification", {"notification_quiet_hours": ""}), ("analytics", {}))
    }
    try:
        for process in others.values():
            process.start()
        yield {"registration": registration, **others}
    finally:
        for process in others.values():
            with contextlib.suppress(Exception):
                process.stop()


async def answers(services: dict[str, ServiceProcess], token: str) -> dict[str, httpx.Response]:
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        return {name: await client.get(f"{services[name].url}{path}") for name, path in PROBES.items()}


async def until(services: dict[str, ServiceProcess], token: str, status: int, seconds: float) -> None:
    """Poll every service until each answers ``status`` (problem+json) to ``token``."""
    async with asyncio.timeout(seconds):
        while True:
            got = await answers(services, token)
            if all(r.status_code == status for r in got.values()):
                assert all(r.headers["content-type"] == "application/problem+json" for r in got.values())
                return
            await asyncio.sleep(0.2)


async def test_a_disabled_accounts_token_is_refused_by_all_four_services(
    tmp_path: Path, registration: ServiceProcess, organizer: dict[str, str]
) -> None:
    token = organizer["Authorization"].removeprefix("Bearer ")
    async with four_services(tmp_path, registration) as services:
        before = await answers(services, token)
        assert {name: r.status_code for name, r in before.items() if r.status_code in (401, 503)} == {}

        async with httpx.AsyncClient(base_url=registration.url, timeout=30) as client:
            login = await client.post("/api/v1/auth/token", json={"login": "ops-admin", "password": PASSWORD})
            admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
            account = (await client.get("/api/v1/accounts", params={"login": ORGANIZER_PHONE}, headers=admin)).json()
            disabled = await client.post(f"/api/v1/accounts/{account['account_id']}/disable", headers=admin)
            assert disabled.status_code == 204
        # the refresh interval is 1 s; the bound is generous for a loaded machine, not a timing claim
        await until(services, token, 401, seconds=30)
        assert "revoked" in (await answers(services, token))["review"].json()["detail"]


async def test_registration_refuses_a_missing_or_unknown_key_id_and_a_lost_key_set_is_503(
    tmp_path: Path, registration: ServiceProcess
) -> None:
    key = (tmp_path / "keys" / "registration-ed25519.pem").read_bytes()
    admin = Principal("someone", "admin", level="national")
    async with four_services(tmp_path, registration) as services:
        for kid in ("k1", "not-published"):
            refused = await answers(services, sign_token(key, admin, kid=kid))
            assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(PROBES, 401)
        valid = sign_token(key, admin, kid="registration-1")
        assert all(r.status_code not in (401, 503) for r in (await answers(services, valid)).values())

        registration.stop()  # the key set is gone; after the old copy's grace, tokens cannot be checked
        del services["registration"]
        async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {valid}"}) as client:
            async with asyncio.timeout(30):
                while (lost := await client.get(f"{services['review'].url}{PROBES['review']}")).status_code != 503:
                    assert lost.status_code != 401, lost.text  # never "your token is invalid"
                    await asyncio.sleep(0.2)
            assert lost.headers["content-type"] == "application/problem+json"
            assert int(lost.headers["retry-after"]) >= 1
            registration.start()
            async with asyncio.timeout(30):
                while (await client.get(f"{services['review'].url}{PROBES['review']}")).status_code == 503:
                    await asyncio.sleep(0.2)
