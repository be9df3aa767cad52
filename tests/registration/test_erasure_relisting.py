"""A person listed again while being erased: the listing sealed before the erasure destroyed the key is
sealed again with a fresh key when it commits after the erasure, so the new listing can be opened (the
person gets their thank-you) and is not left under the destroyed key."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from services.registration.adapters.personal_keys import PersonalKeys
from services.registration.adapters.tables import personal_keys, science_workers
from services.registration.domain.activity import WorkerList
from shared.events.payloads.restricted import ScienceWorkersListed
from shared.events.topics import CONTACTS
from shared.privacy import open_sealed
from tests.e2e.erasure_support import from_the_start
from tests.factories import activity_body
from tests.registration.conftest import Service

NAME, PHONE = "欧阳再登", "13955507777"


class PausingKeys(PersonalKeys):
    """The real keys, but the first sealing waits, once sealed, until the test lets it go on."""

    def __init__(self, keys: PersonalKeys) -> None:
        super().__init__(keys._engine, keys.vault)
        self.sealed = asyncio.Event()
        self.go_on = asyncio.Event()

    async def seal(self, workers: WorkerList) -> ScienceWorkersListed:
        listed = await super().seal(workers)
        if not self.sealed.is_set():
            self.sealed.set()
            await self.go_on.wait()
        return listed


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_listing_racing_an_erasure_gets_a_fresh_key(
    service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.campaign()
    organizer = await service.organizer()
    workers = [{"name": NAME, "phone": PHONE}]
    first = await service.client.post(
        "/api/v1/activities", json=activity_body(science_workers=workers), headers=organizer
    )
    assert first.status_code == 201, first.text

    container = service.container
    pausing = PausingKeys(container.activities._keys)
    monkeypatch.setattr(container.activities, "_keys", pausing)
    again = asyncio.create_task(
        service.client.post("/api/v1/activities", json=activity_body(science_workers=workers), headers=organizer)
    )
    await asyncio.wait_for(pausing.sealed.wait(), 30)  # sealed with the person's key, not yet committed
    erasure = await container.erasures.erase(PHONE, "admin-test")
    assert erasure.erased and erasure.keys_destroyed == 1
    pausing.go_on.set()
    second = await asyncio.wait_for(again, 30)
    assert second.status_code == 201, second.text
    second_id = second.json()["id"]

    async with container.backbone.engine.connect() as connection:
        listed = (await connection.execute(select(science_workers.c.activity_id, science_workers.c.phone))).all()
        mapped = (await connection.execute(select(personal_keys.c.key_id).where(personal_keys.c.phone == PHONE))).all()
    assert listed == [(second_id, PHONE)]  # the new listing stays; the erased one is gone
    assert len(mapped) == 1
    async with asyncio.timeout(30):  # the service's own relay publishes (calling it beside its loop races its lock)
        while await container.backbone.relay.backlog():
            await asyncio.sleep(0.05)
    records = await from_the_start(f"embedded:{tmp_path / 'bus.db'}", [CONTACTS.name], "check")
    lists = [json.loads(r.value) for r in records if r.key == second_id.encode()]
    assert lists, "the second activity's list was not published"
    sealed = lists[-1]["workers"][0]
    key_id = sealed["key_id"]
    assert key_id == mapped[0][0]  # the newest list is sealed with the person's current key
    keys = await container.vault.get([key_id])
    assert open_sealed(keys[key_id], key_id, sealed["sealed"])["phone"] == PHONE
