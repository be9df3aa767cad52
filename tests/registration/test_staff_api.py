"""``POST /api/v1/accounts``: an admin creates reviewer and admin accounts by the rules of
``kepuri staff create``; nobody else may, and each refusal names its field."""

from __future__ import annotations

import logging

import pytest

from shared.auth import Principal

from .conftest import PASSWORD, Service


async def test_an_admin_creates_a_reviewer_who_logs_in_with_its_level_and_jurisdiction(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await service.admin()
    body = {"login": "wn-city", "password": PASSWORD, "role": "reviewer", "level": "city", "jurisdiction": "6105"}
    with caplog.at_level(logging.INFO, logger="kepuri.audit"):
        created = await service.client.post("/api/v1/accounts", json=body, headers=admin)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert {k: answer[k] for k in ("login", "role", "level", "jurisdiction")} == {
        "login": "wn-city",
        "role": "reviewer",
        "level": "city",
        "jurisdiction": "6105",
    }
    audited = [r for r in caplog.records if r.name == "kepuri.audit"]
    assert audited and audited[0].__dict__["account_id"] == answer["account_id"]
    assert PASSWORD not in caplog.text
    token = await service.client.post("/api/v1/auth/token", json={"login": "wn-city", "password": PASSWORD})
    assert token.status_code == 200
    principal = await service.container.verifier.verify(token.json()["access_token"])
    assert isinstance(principal, Principal)
    assert (principal.role, principal.level, principal.jurisdiction) == ("reviewer", "city", "6105")
    found = await service.client.get("/api/v1/accounts", params={"login": "wn-city"}, headers=admin)
    assert found.json()["account_id"] == answer["account_id"]

    again = await service.client.post("/api/v1/accounts", json=body, headers=admin)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "login"


async def test_an_admin_creates_an_admin_who_is_national(service: Service) -> None:
    admin = await service.admin()
    body = {"login": "ops-2", "password": PASSWORD, "role": "admin"}
    created = await service.client.post("/api/v1/accounts", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["level"] == "national"
    assert created.json()["jurisdiction"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": "city", "jurisdiction": "610502"}, "jurisdiction"),  # a county code for a city body
        ({"level": "county", "jurisdiction": "619999"}, "jurisdiction"),  # no such division
        ({"level": "province"}, "jurisdiction"),
        ({"level": "national", "jurisdiction": "6105"}, "jurisdiction"),
        ({"level": None}, "level"),
        ({"login": "a b"}, "login"),
        ({"password": "short"}, "password"),
        ({"role": "admin", "level": "city", "jurisdiction": None}, "level"),
        ({"role": "admin", "level": None, "jurisdiction": "61"}, "jurisdiction"),
        ({"role": "organizer"}, "role"),
    ],
)
async def test_a_staff_account_that_breaks_a_rule_is_refused_naming_the_field(
    service: Service, changes: dict[str, object], field: str
) -> None:
    admin = await service.admin()
    body = {"login": "r-new", "password": PASSWORD, "role": "reviewer", "level": "city", "jurisdiction": "6105"}
    refused = await service.client.post("/api/v1/accounts", json={**body, **changes}, headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in refused.json()["errors"]}


async def test_only_an_admin_creates_staff_accounts(service: Service) -> None:
    body = {"login": "sneaky", "password": PASSWORD, "role": "admin"}
    assert (await service.client.post("/api/v1/accounts", json=body)).status_code == 401
    reviewer = await service.staff("reviewer", "city", "6105")
    assert (await service.client.post("/api/v1/accounts", json=body, headers=reviewer)).status_code == 403
    organizer = await service.organizer()
    assert (await service.client.post("/api/v1/accounts", json=body, headers=organizer)).status_code == 403
