"""Passwords: every account changes its own (the old one required); a forgotten one is reset by a code
texted to the account's phone (single use, expiring, stored hashed, limited per phone and address)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.registration.adapters.tables import password_resets
from shared.events.topics import CONTACTS, UNITS

from .conftest import PASSWORD, Service
from .test_activities import outbox

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
NEW = "a-new-password-42"
PHONE = "13912345678"


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"password_resets_per_phone": 2}


async def log_in(service: Service, login: str, password: str) -> int:
    response = await service.client.post("/api/v1/auth/token", json={"login": login, "password": password})
    return response.status_code


async def reviewer_with_phone(service: Service, login: str = "linwei") -> str:
    accounts = service.container.accounts
    return await accounts.create_staff(login, PASSWORD, "reviewer", "county", "610502", phone=PHONE)


async def texted_code(service: Service) -> str:
    requested = [data for kind, data in await outbox(service, CONTACTS.name) if kind == "password-reset-requested"]
    return str(requested[-1]["code"])


async def test_an_account_changes_its_password_only_with_the_old_one(service: Service) -> None:
    await reviewer_with_phone(service)
    me = await service.login("linwei")
    wrong = await service.client.post(
        "/api/v1/auth/password", json={"old_password": "not-the-password", "new_password": NEW}, headers=me
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "old_password"
    short = await service.client.post(
        "/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "short"}, headers=me
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "new_password"
    changed = await service.client.post(
        "/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": NEW}, headers=me
    )
    assert changed.status_code == 204
    assert await log_in(service, "linwei", NEW) == 200
    assert await log_in(service, "linwei", PASSWORD) == 401
    changes = [data for kind, data in await outbox(service, UNITS.name) if kind == "password-changed"]
    assert [data["how"] for data in changes] == ["changed"]


async def test_a_forgotten_password_is_reset_by_the_code_texted_once(service: Service) -> None:
    account_id = await reviewer_with_phone(service)
    asked = await service.client.post("/api/v1/auth/password-reset/code", json={"phone": PHONE})
    assert asked.status_code == 202
    code = await texted_code(service)
    async with service.container.backbone.engine.connect() as connection:
        stored = (await connection.execute(select(password_resets.c.code_hash))).scalar_one()
    assert code not in stored and stored.startswith("$argon2")  # hashed

    wrong = "000000" if code != "000000" else "111111"
    body = {"phone": PHONE, "code": wrong, "new_password": NEW}
    refused = await service.client.post("/api/v1/auth/password-reset", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "code"
    reset = await service.client.post("/api/v1/auth/password-reset", json={**body, "code": code})
    assert reset.status_code == 204
    assert await log_in(service, "linwei", NEW) == 200
    reused = await service.client.post(
        "/api/v1/auth/password-reset", json={**body, "code": code, "new_password": "x" * 12}
    )
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "code"
    assert await log_in(service, "linwei", NEW) == 200
    changes = [data for kind, data in await outbox(service, UNITS.name) if kind == "password-changed"]
    assert changes == [{"account_id": account_id, "how": "reset"}]


async def test_an_expired_code_is_refused(service: Service) -> None:
    await reviewer_with_phone(service)
    passwords = service.container.passwords
    await service.client.post("/api/v1/auth/password-reset/code", json={"phone": PHONE})
    code = await texted_code(service)
    real = passwords.clock
    passwords.clock = lambda: real() + 11 * 60
    try:
        late = await service.client.post(
            "/api/v1/auth/password-reset", json={"phone": PHONE, "code": code, "new_password": NEW}
        )
    finally:
        passwords.clock = real
    assert late.status_code == 422 and "过期" in late.json()["detail"]
    assert await log_in(service, "linwei", PASSWORD) == 200


async def test_codes_are_limited_per_phone_and_an_unknown_phone_hears_the_same(service: Service) -> None:
    await reviewer_with_phone(service)
    unknown = await service.client.post("/api/v1/auth/password-reset/code", json={"phone": "13700000000"})
    assert unknown.status_code == 202
    assert not await outbox(service, CONTACTS.name)
    for _ in range(2):
        assert (await service.client.post("/api/v1/auth/password-reset/code", json={"phone": PHONE})).status_code == 202
    throttled = await service.client.post("/api/v1/auth/password-reset/code", json={"phone": PHONE})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"]
    assert len(await outbox(service, CONTACTS.name)) == 2


async def test_an_organizer_resets_by_its_login_phone(service: Service) -> None:
    phone = "13955550000"
    unit = {"name": "渭南市实验中学", "unit_type": "school", "region_code": "610502", "contact_name": "王建国"}
    signed = await service.client.post("/api/v1/units", json={**unit, "contact_phone": phone, "password": PASSWORD})
    assert signed.status_code == 202
    await service.client.post("/api/v1/auth/password-reset/code", json={"phone": phone})
    code = await texted_code(service)
    body = {"phone": phone, "code": code, "new_password": NEW}
    assert (await service.client.post("/api/v1/auth/password-reset", json=body)).status_code == 204
    assert await log_in(service, phone, NEW) == 200
