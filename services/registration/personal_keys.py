"""Each person's key (crypto-shredding): found or made by phone, used to seal their science-worker entries.

The key itself lives in the key vault (:mod:`shared.privacy.vault`); registration keeps only which key
id belongs to which phone (``personal_keys``). Two registrations listing one new person at once both
make a key, but only one mapping row wins and both seal with the winner's key; the loser's key is
destroyed at once. A person's data on the restricted topic is thus always sealed with the one key an
erasure destroys.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events.payloads.restricted import ListedScienceWorker, ScienceWorkersListed
from shared.privacy import KeyVault, new_key, seal
from shared.store import reading, transaction
from shared.store.upsert import upsert_statement

from .adapters.tables import personal_keys
from .domain.activity import WorkerList


class PersonalKeys:
    """Keys by phone, and the sealing of a science-worker list for the restricted topic."""

    def __init__(self, engine: AsyncEngine, vault: KeyVault) -> None:
        self._engine = engine
        self.vault = vault

    async def keys_for(self, phones: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """Each phone's (key id, key), making the keys of phones that have none yet."""
        wanted = sorted(set(phones))
        if not wanted:
            return {}
        mapped = await self._mapped(wanted)
        missing = [p for p in wanted if p not in mapped]
        if missing:
            made = {p: uuid.uuid4().hex for p in missing}
            fresh = {key_id: new_key() for key_id in made.values()}
            await self.vault.put(fresh)  # before the mapping: a mapped key id always has its key
            async with transaction(self._engine) as connection:
                statement = upsert_statement(connection.dialect.name, personal_keys, ("phone",))
                await connection.execute(statement, [{"phone": p, "key_id": k} for p, k in made.items()])
            mapped.update(await self._mapped(missing))
            await self.vault.destroy(set(made.values()) - set(mapped.values()))  # the losers of a race
        keys = await self.vault.get(mapped.values())
        stale = [p for p, key_id in mapped.items() if key_id not in keys]
        if stale:  # destroyed by an erasure that has not yet deleted the mapping: a new listing, a new key
            async with transaction(self._engine) as connection:
                await connection.execute(delete(personal_keys).where(personal_keys.c.phone.in_(stale)))
            return {**{p: (mapped[p], keys[mapped[p]]) for p in mapped if p not in stale}, **await self.keys_for(stale)}
        return {p: (key_id, keys[key_id]) for p, key_id in mapped.items()}

    async def seal(self, workers: WorkerList) -> ScienceWorkersListed:
        """The restricted event of a list: each worker's fields sealed with that person's key."""
        keys = await self.keys_for(w.phone for w in workers.workers)
        sealed = []
        for w in workers.workers:
            key_id, key = keys[w.phone]
            values = {"worker_id": w.worker_id, "name": w.name, "phone": w.phone, "organisation": w.organisation}
            sealed.append(ListedScienceWorker(key_id=key_id, sealed=seal(key, key_id, values)))
        return ScienceWorkersListed(
            activity_id=workers.activity_id, organizer_name=workers.organizer_name, workers=sealed
        )

    async def _mapped(self, phones: list[str]) -> dict[str, str]:
        async def read(connection: AsyncConnection) -> dict[str, str]:
            found: dict[str, str] = {}
            for start in range(0, len(phones), 500):
                query = select(personal_keys.c.phone, personal_keys.c.key_id).where(
                    personal_keys.c.phone.in_(phones[start : start + 500])
                )
                found.update({phone: key_id for phone, key_id in await connection.execute(query)})
            return found

        return await reading(self._engine, read)
