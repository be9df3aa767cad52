"""The key vault: one random key per data subject, kept apart from every service's database.

Registration creates a person's key when it first seals their data and destroys it when the person
is erased; notification only reads keys, to open what it receives on the restricted topic. The vault
is infrastructure like the bus (its own database: ``keys.db`` next to the embedded log, or its own
PostgreSQL database where notification's role may only SELECT), not a service's table. Destroying a
key is the erasure: every copy of the person's sealed data, in the log, in backups of it, in a replay,
stays ciphertext that nothing can open. SQLite files run with ``secure_delete``, so a destroyed key's
bytes are overwritten, and the write-ahead log is truncated after a destruction.

Beside the persons' keys the vault holds the platform's *matching keys* (``matching_keys``, never a
person's, never destroyed): the key of :mod:`shared.privacy.digests`, with which an erasure names the
phone it erased to services that hold it in clear (review's forms) without putting it on a topic.
Registration creates it; review may only read that table (not the persons' keys).

A vault that cannot be reached raises :class:`~shared.store.StoreUnavailable`, like a service's own
database: the consumer runtime retries a batch's ``prepare`` with backoff on it, and an API answers 503.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, delete, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ..store import create_engine, sync_reading, sync_transaction
from ..store.engine import store_errors
from ..store.errors import StoreUnavailable
from ..store.migrations import schema_transaction
from ..store.upsert import upsert_statement
from .sealing import new_key

_metadata = MetaData()
subject_keys = Table(
    "subject_keys",
    _metadata,
    Column("key_id", String(32), primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

matching_keys = Table(
    "matching_keys",
    _metadata,
    Column("name", String(32), primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class KeyVault:
    """Per-person keys by key id: put (never replacing), get, destroy."""

    def __init__(self, url: str, *, engine: AsyncEngine | None = None) -> None:
        self._engine = engine or create_engine(url, pool_size=4)
        self._ready = False

    async def start(self) -> None:
        """Create the vault's tables if they are not there (the vault has no other schema to migrate).

        The services sharing one ``keys.db`` start at once, and SQLite refuses a transaction that read
        before another committed its write at once ("database is locked", whatever the busy timeout):
        so at a service's start a refused attempt is tried again, for up to about half a minute.
        """
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(StoreUnavailable),
            wait=wait_exponential(multiplier=0.05, max=2),
            stop=stop_after_delay(30),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._ready_tables()

    async def _ready_tables(self) -> None:
        """One attempt (a caller that retries itself, such as a consumer's ``prepare``, sees it fail)."""
        if not self._ready:
            with store_errors():
                # one process at a time: the services and their workers share the vault's database
                async with schema_transaction(self._engine, "key-vault") as connection:
                    await connection.run_sync(_metadata.create_all)
            self._ready = True

    async def stop(self) -> None:
        """Close the vault's connections (a service stops it as one of its workers)."""
        await self._engine.dispose()
        self._ready = False

    async def put(self, keys: Mapping[str, bytes]) -> None:
        """Store new keys; a key id already there keeps its key (ids are random, so only a retry repeats one)."""
        if not keys:
            return
        await self._ready_tables()
        now = datetime.now(UTC)
        rows = [{"key_id": key_id, "key": key, "created_at": now} for key_id, key in keys.items()]

        def write(connection: Connection) -> None:
            connection.execute(upsert_statement(connection.dialect.name, subject_keys, ("key_id",)), rows)

        await sync_transaction(self._engine, write)

    async def get(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        """The keys of those ids that still exist (a destroyed key is simply absent)."""
        wanted = sorted(set(key_ids))
        if not wanted:
            return {}
        await self._ready_tables()

        def read(connection: Connection) -> dict[str, bytes]:
            found: dict[str, bytes] = {}
            for start in range(0, len(wanted), 500):
                query = select(subject_keys.c.key_id, subject_keys.c.key).where(
                    subject_keys.c.key_id.in_(wanted[start : start + 500])
                )
                found.update({key_id: bytes(key) for key_id, key in connection.execute(query)})
            return found

        return await sync_reading(self._engine, read)

    async def matching_key(self, name: str, *, create: bool = False) -> bytes | None:
        """The platform key ``name`` (None when absent); ``create`` makes it first if it is not there.

        Two creators racing both insert-or-ignore, then read the one that won.
        """
        await self._ready_tables()
        with store_errors():
            if create:
                row = {"name": name, "key": new_key(), "created_at": datetime.now(UTC)}
                async with self._engine.begin() as connection:
                    statement = upsert_statement(connection.dialect.name, matching_keys, ("name",))
                    await connection.execute(statement, [row])
            async with self._engine.connect() as connection:
                key = await connection.scalar(select(matching_keys.c.key).where(matching_keys.c.name == name))
        return bytes(key) if key is not None else None

    async def destroy(self, key_ids: Iterable[str]) -> int:
        """Destroy keys for good; returns how many existed. Destroying an absent key is no error."""
        doomed = sorted(set(key_ids))
        if not doomed:
            return 0
        await self._ready_tables()
        with store_errors():
            async with self._engine.begin() as connection:
                result = await connection.execute(delete(subject_keys).where(subject_keys.c.key_id.in_(doomed)))
            if self._engine.dialect.name == "sqlite":
                async with self._engine.connect() as connection:
                    await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return int(result.rowcount or 0)
