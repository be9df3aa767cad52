"""The swap: the shadow's views replace the live ones in ONE transaction on the live database.

One interface, :class:`Swap`, with one implementation per database: :class:`~.sqlite.SqliteSwap` (the
shadow is a file ATTACHed to the live one) and :class:`~.postgres.PostgresSwap` (the shadow is a schema
of the live database). What they share is here — the steps, their order and the statements that copy
the views and move tracking; each backend supplies only where its shadow lives, how the live consumers
are locked out, and how a statement reaches the database.

The steps, driven by :func:`~.run.replay_analytics`:

1. :meth:`Swap.prepare` removes a shadow a killed replay left and makes an empty one; the caller
   migrates it with the service's own migrations, so its tables are exactly the live ones.
2. :meth:`Swap.lock` begins the swap's transaction on the live database and locks the live consumers
   out of it; the live tracking rows read under the lock are then exactly what the live views hold
   until the commit. The caller applies to the shadow whatever it still lacks up to them.
3. :meth:`Swap.replace` empties every view table and fills it from the shadow (``DELETE`` +
   ``INSERT … SELECT``), moves the live tracking rows up to the shadow's where higher, and commits.
4. :meth:`Swap.close` rolls back whatever was not committed (any failure: the live views are as they
   were); :meth:`Swap.remove` deletes the shadow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from ..reader import ReplayError, Tracked

Rows = list[tuple[Any, ...]]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Swap(ABC):
    """The shadow of one live database and the transaction that swaps it in (see the module's doc)."""

    where: str  # the live database, as the progress line names it
    live_prefix: str  # how the live tables are named on the swap's connection ("main." or "")
    shadow_prefix: str  # how the shadow's tables are named on it
    greatest: str  # the SQL function of the larger of two values

    @abstractmethod
    async def prepare(self) -> AsyncEngine:
        """Remove a leftover shadow, make an empty one; an engine on it, to migrate and replay into."""

    @abstractmethod
    async def _begin(self, tables: Sequence[Table]) -> None:
        """Begin the swap's transaction on the live database and lock the live consumers out of it."""

    @abstractmethod
    async def _execute(self, sql: str, params: Sequence[str] = ()) -> Rows:
        """Run ``sql`` in the swap's transaction; its rows (none for a write). ``?`` marks ``params``."""

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    async def close(self) -> None:
        """Roll back whatever was not committed and release the live connection."""

    @abstractmethod
    async def remove(self) -> None:
        """Delete the shadow (and dispose of its engine)."""

    async def lock(self, tables: Sequence[Table], groups: Sequence[str]) -> Tracked:
        """Begin and lock (:meth:`_begin`); the live consumers' tracking rows under the lock."""
        try:
            await self._begin(tables)
            rows = await self._execute(
                f'SELECT consumer, topic, partition, "offset" FROM {self.live_prefix}tracking '
                f"WHERE consumer IN ({_marks(groups)})",
                groups,
            )
        except ReplayError:
            raise
        except Exception as exc:
            raise ReplayError(f"could not lock the live views of {self.where}: {exc}") from exc
        return {(group, topic, partition): offset for group, topic, partition, offset in rows}

    async def replace(self, tables: Sequence[Table], groups: Sequence[str]) -> dict[str, int]:
        """Replace every view table's rows with the shadow's, move tracking up to the shadow's; commit.

        The live tracking rows become the highest of theirs and the shadow's. The caller has brought the
        shadow at least up to the live rows, so they become the shadow's: what the copied views contain.
        A live consumer that already read records past the old rows skips those now tracked (its
        transaction reads tracking after this commit) and applies the rest, so nothing is lost or doubled.
        Returns the rows of each table after the copy; a failure rolls everything back (ReplayError).
        """
        live, shadow = self.live_prefix, self.shadow_prefix
        try:
            counts = {}
            for table in tables:
                name = quoted(table.name)
                columns = ", ".join(quoted(c.name) for c in table.columns)
                await self._execute(f"DELETE FROM {live}{name}")
                await self._execute(f"INSERT INTO {live}{name} ({columns}) SELECT {columns} FROM {shadow}{name}")
                ((counts[table.name],),) = await self._execute(f"SELECT count(*) FROM {live}{name}")
            await self._execute(
                f'INSERT INTO {live}tracking AS live (consumer, topic, partition, "offset") '
                f'SELECT consumer, topic, partition, "offset" FROM {shadow}tracking WHERE consumer IN ({_marks(groups)}) '
                'ON CONFLICT (consumer, topic, partition) DO UPDATE SET "offset" = '
                f'{self.greatest}(live."offset", excluded."offset")',
                groups,
            )
            await self._commit()
        except ReplayError:
            raise
        except Exception as exc:
            raise ReplayError(f"the swap into {self.where} failed and was rolled back: {exc}") from exc
        return counts


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))
