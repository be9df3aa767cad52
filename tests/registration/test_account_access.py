"""Registration checks tokens exactly as the other services do (a published key id, no revocation), and
accounts can be disabled, enabled and signed out, with an audit event for disabling."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from services.registration.adapters.tables import metadata
from shared.auth import sign_token
from shared.events import CATALOG
from shared.events.topics import UNITS

from .conftest import Service


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"token_revocation_refresh_seconds": 0.001}  # every request sees the latest revocations


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def signing_key(service: Service) -> bytes:
    path = service.container.backbone.settings.jwt_private_key_file
    assert path is not None
    return path.read_bytes()


async def account_id(service: Service, headers: dict[str, str]) -> str:
    return (await service.container.verifier.verify(token_of(headers))).subject


async def test_registration_refuses_a_token_without_a_key_id_or_with_an_unknown_one(service: Service) -> None:
    organizer = await service.organizer()
    principal = await service.container.verifier.verify(token_of(organizer))
    key = serialization.load_pem_private_key(signing_key(service), password=None)
    claims = {
        "iss": "kepuri-registration",
        "aud": "kepuri",
        "sub": principal.subject,
        "role": "organizer",
        "unit": principal.unit_id,
        "exp": time.time() + 600,
    }
    without_kid = jwt.encode(claims, key, "EdDSA")  # type: ignore[arg-type]
    unknown_kid = sign_token(signing_key(service), principal, kid="not-published")
    for token in (without_kid, unknown_kid):
        refused = await service.client.get("/api/v1/dashboard", headers=bearer(token))
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert (await service.client.get("/api/v1/dashboard", headers=organizer)).status_code == 200


async def test_a_disabled_account_cannot_use_its_tokens_or_log_in_until_enabled(service: Service) -> None:
    organizer, admin = await service.organizer(), await service.admin()
    account = await account_id(service, organizer)
    assert (await service.client.get("/api/v1/dashboard", headers=organizer)).status_code == 200

    assert (await service.client.post(f"/api/v1/accounts/{account}/disable", headers=admin)).status_code == 204
    refused = await service.client.get("/api/v1/dashboard", headers=organizer)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    login = (await service.client.get("/api/v1/accounts", params={"login": "x"}, headers=admin)).status_code
    assert login == 404
    phone = await _login_of(service, account)
    assert (await service.client.get("/api/v1/accounts", params={"login": phone}, headers=admin)).json()["disabled"]
    again = await service.client.post("/api/v1/auth/token", json={"login": phone, "password": "kepuri-2026-secret"})
    assert again.status_code == 403 and again.headers["content-type"] == "application/problem+json"

    assert (await service.client.post(f"/api/v1/accounts/{account}/enable", headers=admin)).status_code == 204
    fresh = await service.login(phone)
    assert (await service.client.get("/api/v1/dashboard", headers=fresh)).status_code == 200
    assert (await service.client.get("/api/v1/dashboard", headers=organizer)).status_code == 401  # old stays refused


async def test_disabling_and_enabling_are_audit_events(service: Service) -> None:
    organizer, admin = await service.organizer(), await service.admin()
    account, by = await account_id(service, organizer), await account_id(service, admin)
    await service.client.post(f"/api/v1/accounts/{account}/disable", headers=admin)
    await service.client.post(f"/api/v1/accounts/{account}/disable", headers=admin)  # already: nothing new
    await service.client.post(f"/api/v1/accounts/{account}/enable", headers=admin)
    events = service.container.backbone.tables.events
    query = select(events.c.type, events.c.aggregate_id, events.c.version, events.c.data).where(
        events.c.type.like("account-%"),
        events.c.aggregate_id == account,  # (staff accounts' account-created aside)
    )
    async with service.container.backbone.engine.connect() as connection:
        rows = (await connection.execute(query.order_by(events.c.version))).all()
    audit = [(row.type, row.aggregate_id, row.version, json.loads(row.data)["by"]) for row in rows]
    assert audit == [("account-disabled", account, 1, by), ("account-enabled", account, 2, by)]
    assert CATALOG["account-disabled"].topic == UNITS  # published with the units, keyed by the account


async def test_signing_out_revokes_the_callers_tokens_and_an_admin_can_revoke_anyones(service: Service) -> None:
    organizer, admin = await service.organizer(), await service.admin()
    assert (await service.client.post("/api/v1/auth/logout", headers=organizer)).status_code == 204
    assert (await service.client.get("/api/v1/dashboard", headers=organizer)).status_code == 401
    reviewer = await service.staff("reviewer", "city", "6105")
    account = await account_id(service, reviewer)
    assert (await service.client.post(f"/api/v1/accounts/{account}/revocation", headers=admin)).status_code == 204
    jwks = (await service.client.get("/api/v1/auth/jwks.json")).json()
    assert account in {entry["sub"] for entry in jwks["revoked"]} and jwks["keys"][0]["kid"] == "registration-1"
    assert (await service.client.get("/api/v1/dashboard", headers=admin)).status_code != 401


async def test_only_admins_disable_and_not_themselves(service: Service) -> None:
    organizer, admin = await service.organizer(), await service.admin()
    account = await account_id(service, organizer)
    assert (await service.client.post(f"/api/v1/accounts/{account}/disable", headers=organizer)).status_code == 403
    itself = await account_id(service, admin)
    assert (await service.client.post(f"/api/v1/accounts/{itself}/disable", headers=admin)).status_code == 422
    assert (await service.client.post("/api/v1/accounts/0123abcd/disable", headers=admin)).status_code == 404


async def _login_of(service: Service, account: str) -> str:
    accounts = metadata.tables["accounts"]
    async with service.container.backbone.engine.connect() as connection:
        query = select(accounts.c.login).where(accounts.c.account_id == account)
        return str((await connection.execute(query)).scalar_one())
