"""The command store over review's database: reads in one read transaction, commits through the writer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.store import Changes, GroupCommitter, reading

from ..service.ports import CommandStore

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
        await self._writer.submit(changes)
