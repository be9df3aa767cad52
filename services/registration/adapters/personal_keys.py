"""Each person's key (crypto-shredding): found or made by phone, used to seal their science-worker entries.

The key itself lives in the key vault (:mod:`shared.privacy.vault`); registration keeps only which key
id belongs to which phone (``personal_keys``). Two registrations listing one new person at once both
make a key, but only one mapping row wins and both seal with the winner's key; the loser's key is
destroyed at once. A person's data on the restricted topic is thus always sealed with the one key an
erasure destroys.

An erasure may destroy a key between a listing's sealing and its commit. The listing's entries are
therefore written only while each sealing key is still its person's (:func:`worker_rows`: the key id
is read from ``personal_keys`` in the same statement, under a share lock on PostgreSQL, and is NOT
NULL): the commit fails, :meth:`PersonalKeys.held` tells why, and the listing is sealed again with a
fresh key. The erasure deletes the mapping before the entries, so a listing that won the race is
erased with the rest.

Keys are found and made in batches (:class:`_Batches`): the people listed by every registration
waiting at the same moment are looked up in one read of the mapping and one of the vault, and the new
ones get their keys in one vault write and one mapping write, as the group-commit writer does for the
events. One lookup and one making per registration took each registration ~1 s under 64 concurrent
requests on SQLite (the pools' connections and the write lock queued them), six times the rest of
the write path.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events.payloads.restricted import ListedScienceWorker, ScienceWorkersListed
from shared.privacy import KeyVault, new_key, seal
from shared.store import Bulk, reading, sync_reading, sync_transaction, transaction
from shared.store.upsert import upsert_statement

from ..domain.activity import WorkerList
from ..service.ports import WorkerSealer
from .tables import personal_keys, science_workers

T = TypeVar("T")


class PersonalKeys(WorkerSealer):
    """Keys by phone, and the sealing of a science-worker list for the restricted topic."""

    def __init__(self, engine: AsyncEngine, vault: KeyVault) -> None:
        self._engine = engine
        self.vault = vault
        self._batches: _Batches[tuple[str, bytes]] = _Batches(self._keys_for_batch)

    async def _make(self, phones: list[str]) -> dict[str, str]:
        """A key for each of ``phones`` (none mapped when asked): in the vault first, so that a mapped
        key id always has its key, then mapped; the keys whose mapping lost a race are destroyed.
        Returns each phone's key id (its own, or the winner's)."""
        made = {p: uuid.uuid4().hex for p in phones}
        await self.vault.put({key_id: new_key() for key_id in made.values()})

        def write(connection: Connection) -> None:
            statement = upsert_statement(connection.dialect.name, personal_keys, ("phone",))
            connection.execute(statement, [{"phone": p, "key_id": k} for p, k in made.items()])

        await sync_transaction(self._engine, write)
        mapped = await self._mapped(phones)
        await self.vault.destroy(set(made.values()) - set(mapped.values()))  # the losers of a race
        return mapped

    async def keys_for(self, phones: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """Each phone's (key id, key), making the keys of phones that have none yet."""
        wanted = set(phones)
        if not wanted:
            return {}
        found = await self._batches.ask(wanted)
        return {p: found[p] for p in wanted}

    async def _keys_for_batch(self, wanted: list[str]) -> dict[str, tuple[str, bytes]]:
        """:meth:`keys_for` of the phones of every caller waiting at once: one read of the mapping, the
        missing keys made in one vault write and one mapping write, one read of the vault."""
        mapped = await self._mapped(wanted)
        missing = [p for p in wanted if p not in mapped]
        if missing:
            mapped.update(await self._make(missing))
        keys = await self.vault.get(mapped.values())
        stale = [p for p, key_id in mapped.items() if key_id not in keys]
        if stale:  # destroyed by an erasure that has not yet deleted the mapping: a new listing, a new key
            doomed = [mapped[p] for p in stale]  # only these: a fresh key made meanwhile stays the person's
            async with transaction(self._engine) as connection:
                await connection.execute(delete(personal_keys).where(personal_keys.c.key_id.in_(doomed)))
            fresh = await self._keys_for_batch(sorted(stale))
            return {**{p: (mapped[p], keys[mapped[p]]) for p in mapped if p not in stale}, **fresh}
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

    async def held(self, listed: ScienceWorkersListed) -> bool:
        """Whether every key ``listed`` is sealed with is still its person's (no erasure took one)."""
        key_ids = sorted({w.key_id for w in listed.workers if w.key_id is not None})

        async def read(connection: AsyncConnection) -> int:
            query = select(personal_keys.c.key_id).where(personal_keys.c.key_id.in_(key_ids))
            return len(list(await connection.scalars(query)))

        return not key_ids or await reading(self._engine, read) == len(key_ids)

    async def _mapped(self, phones: list[str]) -> dict[str, str]:
        def read(connection: Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            for start in range(0, len(phones), 500):
                query = select(personal_keys.c.phone, personal_keys.c.key_id).where(
                    personal_keys.c.phone.in_(phones[start : start + 500])
                )
                found.update({phone: key_id for phone, key_id in connection.execute(query)})
            return found

        return await sync_reading(self._engine, read)


def worker_rows(workers: WorkerList, sealed: ScienceWorkersListed) -> Bulk:
    """The list's clear entries (registration's restricted store), each with the key it is sealed with.

    The key id is read from ``personal_keys`` as the row is written: a key an erasure has taken away
    meanwhile reads as NULL and the NOT NULL column refuses the whole commit. On PostgreSQL the read
    takes a share lock, so an erasure deleting the mapping waits for this commit, then erases its rows.
    """
    held = (
        select(personal_keys.c.key_id)
        .where(personal_keys.c.key_id == bindparam("w_key_id"), personal_keys.c.phone == bindparam("w_phone"))
        .with_for_update(read=True)
        .scalar_subquery()
    )
    statement = insert(science_workers).values(
        activity_id=bindparam("w_activity_id"),
        worker_id=bindparam("w_worker_id"),
        position=bindparam("w_position"),
        name=bindparam("w_name"),
        phone=bindparam("w_phone"),
        organisation=bindparam("w_organisation"),
        key_id=held,
    )
    rows = [
        {
            "w_activity_id": workers.activity_id,
            "w_worker_id": w.worker_id,
            "w_position": position,
            "w_name": w.name,
            "w_phone": w.phone,
            "w_organisation": w.organisation,
            "w_key_id": entry.key_id,
        }
        for position, (w, entry) in enumerate(zip(workers.workers, sealed.workers, strict=True))
    ]
    return Bulk(statement, rows)


class _Batches(Generic[T]):
    """The phones asked for by every caller waiting at once, answered by one call of ``answer`` (its
    reads and writes done once for all of them); callers arriving while a batch is answered wait for
    the next one. Each caller gets its phones' answers, or the batch's error if it fails."""

    def __init__(self, answer: Callable[[list[str]], Awaitable[dict[str, T]]]) -> None:
        self._answer = answer
        self._waiting: dict[str, asyncio.Future[T]] = {}
        self._running: asyncio.Task[None] | None = None

    async def ask(self, phones: Iterable[str]) -> dict[str, T]:
        loop = asyncio.get_running_loop()
        waits = {phone: self._waiting.setdefault(phone, loop.create_future()) for phone in phones}
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._drain(), name="personal-keys")
        return {phone: await asyncio.shield(wait) for phone, wait in waits.items()}

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            try:
                answers = await self._answer(sorted(batch))
            except Exception as exc:  # every caller of this batch hears why
                for wait in batch.values():
                    if not wait.done():
                        wait.set_exception(exc)
            else:
                for phone, wait in batch.items():
                    if not wait.done():
                        wait.set_result(answers[phone])
