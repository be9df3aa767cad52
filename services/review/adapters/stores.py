"""The command store over review's database: reads in one read transaction, commits through the writer.

A request may attach rows to the first :class:`Changes` its task commits (an Idempotency-Key's claim:
``shared/store/attached.py``); a commit that fails leaves them attached. The store then looks whether
those rows are taken now: if so, another request with the same key won, and :class:`ClaimTaken` tells
the command not to decide again (the Idempotency-Key dependency answers with the winner's answer);
if not, the command lost a race of its own, and the rows ride again with its next attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.store import Changes, GroupCommitter, Insert, IntegrityViolation, reading
from shared.store.attached import attach, detach

from ..service.ports import ClaimTaken, CommandStore

R = TypeVar("R")
T = TypeVar("T")


class SqlStore(CommandStore[R]):
    """``reads`` makes the port's reads over one connection; ``writer`` is the backbone's one committer."""

    def __init__(self, engine: AsyncEngine, writer: GroupCommitter, reads: Callable[[AsyncConnection], R]) -> None:
        self._engine = engine
        self._writer = writer
        self._reads = reads

    async def read(self, work: Callable[[R], Awaitable[T]]) -> T:
        async def run(connection: AsyncConnection) -> T:
            return await work(self._reads(connection))

        return await reading(self._engine, run)

    async def submit(self, changes: Changes) -> None:
        try:
            await self._writer.submit(changes)
        except IntegrityViolation as exc:
            # the writer kept the request's rows attached; taken now, another request with the key won
            if await self.superseded():
                raise ClaimTaken(str(exc)) from exc
            raise

    async def superseded(self) -> bool:
        riding = detach()
        for insert in riding:
            attach(insert)  # looked at, not taken: they still ride with this request's first commit
        return bool(riding) and await self._taken(riding)

    async def _taken(self, inserts: Sequence[Insert]) -> bool:
        """Whether a row with the primary key of one of ``inserts`` exists now."""

        async def look(connection: AsyncConnection) -> bool:
            for insert in inserts:
                key = [column == insert.row[column.name] for column in insert.table.primary_key.columns]
                if await connection.scalar(select(exists().where(and_(*key)))):
                    return True
            return False

        return await reading(self._engine, look)
