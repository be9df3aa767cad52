"""``kepuri replay analytics``: rebuild every analytics view beside the live ones, then swap them in.

1. The live database is migrated (a no-op when the service runs) and a fresh shadow database is made
   next to it (``analytics.replay.db``) by the same migrations.
2. :class:`~.reader.ShadowReader` applies every record of the projections' topics to the shadow, up to
   the end offsets taken when it starts (the progress bar's total).
3. Unlocked rounds catch the shadow up with the live consumers' tracking until it is within one batch.
4. :class:`~.swap.SqliteSwap` takes the live file's write lock, reads the live tracking under it, the
   reader applies what the shadow still lacks, and one transaction replaces the views' rows and moves
   the live tracking up to the shadow's. Then the shadow is deleted.

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
from shared.store import backbone_metadata, create_engine, reading
from shared.store.migrations import migrate

from ..adapters.tables import metadata
from ..bootstrap import MIGRATIONS, build
from ..settings import AnalyticsSettings
from .progress import Progress
from .reader import ReplayError, ShadowReader, Tracked
from .swap import SqliteSwap

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


def shadow_path(live: Path) -> Path:
    return live.with_name(f"{live.stem}.replay.db")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def live_database(settings: AnalyticsSettings) -> Path:
    """The live SQLite file, or :class:`ReplayRefused` saying why this database is not supported."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise ReplayRefused(
            f"replay supports analytics on SQLite only, not PostgreSQL or {url.get_backend_name()} yet "
            f"({url.render_as_string(hide_password=True)}): the rebuild in a separate schema and its swap "
            "are not built; nothing was changed"
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise ReplayRefused(f"replay needs a SQLite file, not {url.database or 'an in-memory database'!r}")
    return Path(url.database).resolve()


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
    live_path = live_database(settings)
    backbone = build(settings).backbone  # its engine and bus; its relay and consumers are never started
    projections = [consumer.projection for consumer in backbone.consumers]
    groups = [consumer.group for consumer in backbone.consumers]
    tables = view_tables()
    shadow_file = shadow_path(live_path)
    _remove(shadow_file)  # a previous replay that was killed
    shadow = create_engine(f"sqlite+aiosqlite:///{shadow_file}")
    progress: Progress | None = None
    reader: ShadowReader | None = None
    swap: SqliteSwap | None = None
    try:
        await migrate(backbone.engine, MIGRATIONS)
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
        progress.say(f"replay analytics: swapping {len(tables)} view tables into {live_path.name}")
        swap = SqliteSwap(live_path, shadow_file)
        live = await swap.lock(groups)
        await reader.catch_up(live, advance)
        rows = await swap.replace(tables, groups)
        seconds = time.perf_counter() - started
        outcome = ReplayOutcome(reader.read, total, seconds, rows)
        progress.close()
        return outcome
    finally:
        if progress is not None:
            progress.close()
        if swap is not None:
            await swap.close()
        if reader is not None:
            await reader.stop()
        with contextlib.suppress(Exception):
            await backbone.bus.stop()
        await shadow.dispose()
        await backbone.engine.dispose()
        _remove(shadow_file)
