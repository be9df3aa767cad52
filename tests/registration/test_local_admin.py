"""Local administration: a level admin (province, city) creates, lists, disables and enables the reviewer
accounts of the levels below its own inside its jurisdiction; every other attempt is a 403 in Chinese,
and nothing is written. Each creation is an ``account-created`` event."""

from __future__ import annotations

import pytest

from shared.events.topics import UNITS

from .conftest import PASSWORD, Service
from .test_activities import outbox

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def reviewer(login: str, level: str, jurisdiction: str | None) -> dict[str, object]:
    return {"login": login, "password": PASSWORD, "role": "reviewer", "level": level, "jurisdiction": jurisdiction}


async def test_a_city_admin_manages_the_reviewers_of_its_counties(service: Service) -> None:
    city = await service.staff("admin", "city", "6105")
    created = await service.client.post("/api/v1/accounts", json=reviewer("linwei", "county", "610502"), headers=city)
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    assert created.json()["level"] == "county"
    events = [data for kind, data in await outbox(service, UNITS.name) if kind == "account-created"]
    assert {"account_id": account_id, "role": "reviewer", "level": "county", "jurisdiction": "610502"}.items() <= (
        events[-1].items()
    )
    managed = await service.client.get("/api/v1/accounts/managed", headers=city)
    assert [row["login"] for row in managed.json()] == ["linwei"]

    disabled = await service.client.post(f"/api/v1/accounts/{account_id}/disable", headers=city)
    assert disabled.status_code == 204
    login = await service.client.post("/api/v1/auth/token", json={"login": "linwei", "password": PASSWORD})
    assert login.status_code == 403
    assert (await service.client.post(f"/api/v1/accounts/{account_id}/enable", headers=city)).status_code == 204
    login = await service.client.post("/api/v1/auth/token", json={"login": "linwei", "password": PASSWORD})
    assert login.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        reviewer("other-county", "county", "610102"),  # a county of another city (Xi'an)
        reviewer("same-level", "city", "6105"),  # its own level
        reviewer("higher", "province", "61"),  # a level above
        reviewer("society", "national", "society:中国化学会"),  # a national society: the national admin's
        {"login": "another-admin", "password": PASSWORD, "role": "admin", "level": "city", "jurisdiction": "6105"},
    ],
)
async def test_a_city_admin_is_refused_outside_its_jurisdiction_or_level(
    service: Service, body: dict[str, object]
) -> None:
    city = await service.staff("admin", "city", "6105")
    refused = await service.client.post("/api/v1/accounts", json=body, headers=city)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "管理" in refused.json()["detail"]
    created = [data for kind, data in await outbox(service, UNITS.name) if kind == "account-created"]
    assert [data["role"] for data in created] == ["admin"]  # the city admin's own, nothing more


async def test_a_province_admin_manages_cities_and_counties_but_not_another_provinces(service: Service) -> None:
    province = await service.staff("admin", "province", "61")
    for body in (reviewer("weinan", "city", "6105"), reviewer("linwei", "county", "610502")):
        assert (await service.client.post("/api/v1/accounts", json=body, headers=province)).status_code == 201
    other = await service.client.post("/api/v1/accounts", json=reviewer("taiyuan", "city", "1401"), headers=province)
    assert other.status_code == 403


async def test_a_level_admin_cannot_disable_an_account_outside_it_nor_act_as_the_national_admin(
    service: Service,
) -> None:
    admin = await service.admin()
    xian = await service.client.post("/api/v1/accounts", json=reviewer("beilin", "county", "610103"), headers=admin)
    city = await service.staff("admin", "city", "6105")
    refused = await service.client.post(f"/api/v1/accounts/{xian.json()['account_id']}/disable", headers=city)
    assert refused.status_code == 403 and "管辖" in refused.json()["detail"]
    # the national admin's other powers stay its own
    assert (await service.client.get("/api/v1/accounts", params={"login": "beilin"}, headers=city)).status_code == 403
    assert (await service.client.get("/api/v1/accounts/managed", headers=admin)).status_code == 200


async def test_the_national_admin_creates_ministry_and_unit_bodies(service: Service) -> None:
    admin = await service.admin()
    for login, body in (("moe", "ministry:教育部"), ("cas-unit", "unit:中国科学院")):
        created = await service.client.post("/api/v1/accounts", json=reviewer(login, "national", body), headers=admin)
        assert created.status_code == 201, created.text
        assert created.json()["jurisdiction"] == body
