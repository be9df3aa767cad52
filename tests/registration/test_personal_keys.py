"""Personal keys made in batches: registrations listing new people at the same moment share one vault
write and one mapping write, and each person still has exactly one key whoever listed them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from sqlalchemy import func, select

from services.registration.adapters.personal_keys import PersonalKeys
from services.registration.adapters.tables import personal_keys
from shared.privacy import KeyVault
from tests.registration.conftest import Service


class CountingVault(KeyVault):
    """The real vault, counting its writes."""

    def __init__(self, vault: KeyVault) -> None:
        self.__dict__.update(vault.__dict__)
        self.writes = 0

    async def put(self, keys: Mapping[str, bytes]) -> None:
        self.writes += 1
        await super().put(keys)


class FailingVault(CountingVault):
    async def put(self, keys: Mapping[str, bytes]) -> None:
        self.writes += 1
        raise OSError("the vault's disk is full")


def phones(start: int, count: int) -> list[str]:
    return [f"1395550{n:04d}" for n in range(start, start + count)]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_callers_at_once_share_key_writes_and_each_person_gets_one_key(service: Service) -> None:
    existing: PersonalKeys = service.container.activities._keys
    vault = CountingVault(existing.vault)
    keys = PersonalKeys(existing._engine, vault)
    # 30 callers at once, each listing 3 people, neighbours sharing one person
    asked = [phones(2 * i, 3) for i in range(30)]
    answers = await asyncio.gather(*(keys.keys_for(p) for p in asked))

    assert vault.writes < len(asked)  # batched: far fewer vault writes than callers
    by_phone: dict[str, set[str]] = {}
    for answer in answers:
        for phone, (key_id, _key) in answer.items():
            by_phone.setdefault(phone, set()).add(key_id)
    assert all(len(ids) == 1 for ids in by_phone.values())  # everyone who listed a person got their key
    async with existing._engine.connect() as connection:
        mapped = await connection.scalar(select(func.count()).select_from(personal_keys))
    assert mapped == len(by_phone) == 61


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_a_failed_batch_fails_each_of_its_callers_and_maps_nobody(service: Service) -> None:
    existing: PersonalKeys = service.container.activities._keys
    keys = PersonalKeys(existing._engine, FailingVault(existing.vault))
    results = await asyncio.gather(*(keys.keys_for(phones(10 * i, 2)) for i in range(5)), return_exceptions=True)

    assert all(isinstance(r, OSError) for r in results)
    async with existing._engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(personal_keys)) == 0
