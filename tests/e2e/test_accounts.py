"""Units sign up and log in: argon2 hashes, a rate-limited login, Ed25519 tokens verifiable from the
published JWKS, contacts masked on the stream, and every bad input refused without a write."""

from __future__ import annotations

import stat

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from services.registration.adapters.tables import metadata
from shared.auth import Principal, TokenVerifier
from shared.events import from_record
from shared.events.topics import UNITS
from tests.e2e.conftest import Platform
from tests.e2e.test_failures import read_topic

pytestmark = pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)

UNIT = {
    "name": "渭南市临渭区实验中学",
    "unit_type": "school",
    "region_code": "610502",
    "contact_name": "王建国",
    "contact_phone": "13812345678",
    "password": "kepuri-2026-secret",
}


_BASELINE: dict[str, int] = {}


async def _rows(platform: Platform, table: str) -> int:
    engine = platform.registration_app.state.container.backbone.engine
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)


@pytest.fixture(autouse=True)
async def _baseline(platform: Platform) -> None:
    """What the platform fixture itself wrote (its campaign, its organizer unit)."""
    for table in ("events", "accounts", "unit_contacts", "outbox"):
        _BASELINE[table] = await _rows(platform, table)


async def count(platform: Platform, table: str) -> int:
    """Rows of ``table`` written by the test, beyond the platform fixture's own."""
    return await _rows(platform, table) - _BASELINE.get(table, 0)


def verifier_from(jwks: dict[str, object]) -> TokenVerifier:
    [key] = jwks["keys"]  # type: ignore[misc]
    public = jwt.PyJWK(key).key
    return TokenVerifier(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


async def test_a_unit_signs_up_logs_in_and_its_token_verifies_with_the_jwks(platform: Platform) -> None:
    signed_up = await platform.registration.post("/api/v1/units", json=UNIT)
    assert signed_up.status_code == 202 and "申请已提交" in signed_up.json()["message"]
    login = await platform.registration.post(
        "/api/v1/auth/token", json={"login": UNIT["contact_phone"], "password": UNIT["password"]}
    )
    assert login.status_code == 200 and login.json()["token_type"] == "Bearer"
    jwks = (await platform.registration.get("/api/v1/auth/jwks.json")).json()
    principal = verifier_from(jwks).verify(login.json()["access_token"])
    engine = platform.registration_app.state.container.backbone.engine
    async with engine.connect() as connection:
        accounts = metadata.tables["accounts"]
        query = select(accounts.c.account_id, accounts.c.unit_id).where(accounts.c.login == UNIT["contact_phone"])
        account_id, unit_id = (await connection.execute(query)).one()
    assert principal == Principal(account_id, "organizer", unit_id=unit_id)


async def test_contacts_travel_masked_and_passwords_are_stored_as_argon2(platform: Platform) -> None:
    assert (await platform.registration.post("/api/v1/units", json=UNIT)).status_code == 202
    records = await read_topic(platform.bus_url, UNITS.name, expected=2)  # the fixture's unit, then this one
    [record] = [r for r in records if from_record(r).data["name"] == UNIT["name"]]
    data = from_record(record).data
    assert data["contact_phone_masked"] == "138****5678" and data["contact_name_masked"] == "王**"
    assert UNIT["contact_phone"].encode() not in record.value and "王建国".encode() not in record.value
    engine = platform.registration_app.state.container.backbone.engine
    async with engine.connect() as connection:
        accounts = metadata.tables["accounts"]
        query = select(accounts.c.password_hash).where(accounts.c.login == UNIT["contact_phone"])
        stored = (await connection.execute(query)).scalar_one()
    assert stored.startswith("$argon2id$") and UNIT["password"] not in stored


async def test_a_second_sign_up_with_the_same_phone_answers_as_the_first_and_writes_nothing(
    platform: Platform,
) -> None:
    first = await platform.registration.post("/api/v1/units", json=UNIT)
    again = await platform.registration.post("/api/v1/units", json={**UNIT, "name": "另一个单位"})
    assert first.status_code == again.status_code == 202 and first.content == again.content
    assert await count(platform, "events") == 1 and await count(platform, "accounts") == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "23812345678"}, "contact_phone"),
        ({"region_code": "619999"}, "region_code"),
        ({"password": "short"}, "password"),
        ({"unit_type": "spaceship"}, "unit_type"),
        ({"name": "x"}, "name"),
    ],
)
async def test_bad_sign_ups_are_422_naming_the_field_and_write_nothing(
    platform: Platform, change: dict[str, str], field: str
) -> None:
    response = await platform.registration.post("/api/v1/units", json={**UNIT, **change})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}
    assert await count(platform, "events") == 0 and await count(platform, "accounts") == 0


async def test_wrong_passwords_are_401_then_the_login_is_throttled(platform: Platform) -> None:
    assert (await platform.registration.post("/api/v1/units", json=UNIT)).status_code == 202
    wrong = {"login": UNIT["contact_phone"], "password": "not-the-password"}
    for _ in range(5):
        response = await platform.registration.post("/api/v1/auth/token", json=wrong)
        assert response.status_code == 401 and "access_token" not in response.text
    throttled = await platform.registration.post(
        "/api/v1/auth/token", json={"login": UNIT["contact_phone"], "password": UNIT["password"]}
    )
    assert throttled.status_code == 429 and throttled.json()["retry_after"] > 0
    unknown = await platform.registration.post("/api/v1/auth/token", json={"login": "13900000000", "password": "x"})
    assert unknown.status_code == 401


async def test_the_development_key_is_private_and_kept_across_restarts(platform: Platform) -> None:
    settings = platform.registration_app.state.container.backbone.settings
    path = settings.jwt_private_key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    from services.registration.bootstrap import build

    again = build(settings)
    first = (await platform.registration.get("/api/v1/auth/jwks.json")).json()
    assert again.access.jwks()["keys"] == first["keys"]
