"""An erasure also removes the stored answers of Idempotency-Keys that show the person: a retried
registration or draft would otherwise hand the contact's phone back after the erasure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import activity_body
from tests.registration.conftest import Service

PHONE = "13955508888"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_the_stored_answers_naming_an_erased_person_are_erased(service: Service) -> None:
    await service.campaign()
    organizer = await service.organizer()
    body = activity_body(contact_name="欧阳再登", contact_phone=PHONE)
    for path, key in (("/api/v1/activities", "a-1"), ("/api/v1/drafts", "d-1")):
        created = await service.client.post(path, json=body, headers={**organizer, "Idempotency-Key": key})
        assert created.status_code == 201, created.text
    other = await service.client.post(
        "/api/v1/activities", json=activity_body(), headers={**organizer, "Idempotency-Key": "a-2"}
    )
    assert other.status_code == 201, other.text

    erased = await service.client.post("/api/v1/erasures", json={"phone": PHONE}, headers=await service.admin())
    assert erased.status_code == 200, erased.text

    keys = service.container.backbone.tables.idempotency_keys
    async with service.container.backbone.engine.connect() as connection:
        left = {row.key: bytes(row.body) for row in await connection.execute(select(keys.c.key, keys.c.body))}
    assert "a-2" in left
    assert not [key for key, answer in left.items() if PHONE.encode() in answer]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_staff_accounts_stored_answer_showing_the_erased_phone_is_erased(service: Service) -> None:
    admin = await service.admin()
    staff = {
        "login": PHONE,
        "password": "kepuri-2026-secret",
        "role": "reviewer",
        "level": "city",
        "jurisdiction": "6105",
    }
    created = await service.client.post("/api/v1/accounts", json=staff, headers={**admin, "Idempotency-Key": "s-1"})
    assert created.status_code == 201, created.text

    erased = await service.client.post("/api/v1/erasures", json={"phone": PHONE}, headers=admin)
    assert erased.status_code == 200, erased.text

    keys = service.container.backbone.tables.idempotency_keys
    async with service.container.backbone.engine.connect() as connection:
        answers = [bytes(body) for (body,) in await connection.execute(select(keys.c.body))]
    assert not [answer for answer in answers if PHONE.encode() in answer]
