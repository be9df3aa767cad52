"""``kepuri replay analytics``: rebuild every analytics view beside the live ones, then swap them in.

1. The live database is migrated (a no-op when the service runs) and a fresh shadow is made beside it
   by the same migrations: a file ``analytics.replay.db`` next to a SQLite database, a schema
   ``analytics_replay`` in a PostgreSQL one (:mod:`.adapters.sqlite`, :mod:`.adapters.postgres`).
2. :class:`~.reader.ShadowReader` applies every record of the projections' topics to the shadow, up to
   the end offsets taken when it starts (the progress bar's total).
3. Unlocked rounds catch the shadow up with the live consumers' tracking until it is within one batch.
4. The :class:`~.adapters.swap.Swap` begins a transaction on the live database and locks the live consumers
   out, reads the live tracking under the lock, the reader applies what the shadow still lacks, and
   the same transaction replaces the views' rows and moves the live tracking up to the shadow's. Then
   the shadow is removed.

The live service may run meanwhile (its API answers from the old views until the commit; its consumers
wait on the lock only for the last step) or not (then nothing races, and the same steps hold).
See docs/analytics.md, "Replay".
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.bus import TopicSpec
from shared.events.topics import ALL_TOPICS
from shared.store import backbone_metadata, reading
from shared.store.migrations import migrate

from ..adapters.tables import metadata
from ..bootstrap import MIGRATIONS, build
from ..settings import AnalyticsSettings
from .adapters.postgres import PostgresSwap
from .adapters.sqlite import SqliteSwap
from .adapters.swap import Swap
from .progress import Progress
from .reader import ReplayError, ShadowReader, Tracked

log = logging.getLogger(__name__)


class ReplayRefused(ReplayError):
    """The replay cannot run against this configuration (nothing was changed)."""


@dataclass
class ReplayOutcome:
    """What a replay did: records applied to the shadow, how long it took, the rows of each view swapped in."""

    events: int
    total: int  # records up to the end offsets taken at the start
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def view_tables(source: MetaData = metadata) -> list[Table]:
    """Analytics' view tables: every table of its metadata but the backbone's (events, outbox, tracking…)."""
    backbone = set(backbone_metadata().tables)
    return [table for table in source.sorted_tables if table.name not in backbone]


def open_swap(database_url: str) -> Swap:
    """The swap for the live database, or :class:`ReplayRefused` saying why it is not supported.

    Nothing is touched here: the shadow is made by :meth:`Swap.prepare`.
    """
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    backend = url.get_backend_name()
    if backend == "postgresql":
        if url.get_driver_name() != "asyncpg":
            raise ReplayRefused(f"replay needs PostgreSQL through asyncpg (postgresql+asyncpg://), not {shown}")
        return PostgresSwap(url)
    if backend != "sqlite":
        raise ReplayRefused(
            f"replay supports analytics on SQLite and PostgreSQL, not {backend} ({shown}); nothing was changed"
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise ReplayRefused(f"replay needs a SQLite file, not {url.database or 'an in-memory database'!r}")
    return SqliteSwap(Path(url.database).resolve())


async def _tracking(engine: AsyncEngine, tables: MetaData, groups: list[str]) -> Tracked:
    t = tables.tables["tracking"]

    async def read(connection: AsyncConnection) -> Tracked:
        rows = await connection.execute(
            select(t.c.consumer, t.c.topic, t.c.partition, t.c.offset).where(t.c.consumer.in_(groups))
        )
        return {(g, topic, p): offset for g, topic, p, offset in rows}

    return await reading(engine, read)


async def replay_analytics(
    settings: AnalyticsSettings,
    *,
    quiet: bool = False,
    progress_file: TextIO | None = None,
    batch_size: int = 5000,
) -> ReplayOutcome:
    """Rebuild analytics' views from offset 0 of their topics and swap them in; see the module's doc."""
    swap = open_swap(settings.database_url)  # refuses before anything is touched
    backbone = build(settings).backbone  # its engine and bus; its relay and consumers are never started
    projections = [consumer.projection for consumer in backbone.consumers]
    groups = [consumer.group for consumer in backbone.consumers]
    tables = view_tables()
    progress: Progress | None = None
    reader: ShadowReader | None = None
    try:
        await migrate(backbone.engine, MIGRATIONS)
        shadow = await swap.prepare()
        await migrate(shadow, MIGRATIONS)
        await backbone.bus.start()
        await backbone.bus.ensure_topics([TopicSpec(t.name, settings.topic_partitions) for t in ALL_TOPICS])
        reader = ShadowReader(backbone.bus, shadow, metadata, projections, batch_size=batch_size)
        total = await reader.start()
        bar = progress = Progress(total, quiet=quiet, file=progress_file)
        started = time.perf_counter()

        def advance(counted: int, beyond: int) -> None:
            bar.extend(beyond)
            bar.advance(counted + beyond)

        await reader.read_to_end(advance)
        # unlocked rounds: the live consumers ran on while the shadow was rebuilt
        while reader.behind(live := await _tracking(backbone.engine, metadata, groups)) > batch_size:
            await reader.catch_up(live, advance)
        progress.say(f"replay analytics: swapping {len(tables)} view tables into {swap.where}")
        live = await swap.lock(tables, groups)
        await reader.catch_up(live, advance)
        rows = await swap.replace(tables, groups)
        seconds = time.perf_counter() - started
        outcome = ReplayOutcome(reader.read, total, seconds, rows)
        progress.close()
        return outcome
    finally:
        if progress is not None:
            progress.close()
        await swap.close()
        if reader is not None:
            await reader.stop()
        with contextlib.suppress(Exception):
            await backbone.bus.stop()
        await swap.remove()
        await backbone.engine.dispose()
