"""The export: a campaign's activities in the 附件1 layout, an organizer's own in clear, staff's (other
units') with the contact persons in clear and the science workers masked (see :mod:`.disclosure`). Rows are streamed from the database and written in write-only mode
to a temporary file, off the event loop, so a national export stays flat in memory."""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.runtime import Backbone
from shared.store import reading, starts_with

from ..adapters.activity_rows import activity_of
from ..adapters.tables import activities
from ..domain.campaign import Campaign
from .workbooks import ActivityBook

PARTITION = 500


@dataclass(frozen=True)
class ExportRequest:
    """Which activities: one unit's (None: all units), under a region prefix, only key activities."""

    campaign: Campaign
    unit_id: str | None
    region: str | None = None
    key_only: bool = False
    clear: bool = False
    contacts: bool = False

    @property
    def title(self) -> str:
        return f"{self.campaign.title}{'重点' if self.key_only else ''}活动安排表"


async def export_sheet(backbone: Backbone, request: ExportRequest) -> tuple[Path, int]:
    """Write the export to a temporary .xlsx; its path (the caller deletes it) and how many activities."""
    a = activities
    query = select(a).where(a.c.campaign_id == request.campaign.id, a.c.status == "registered")
    if request.unit_id is not None:
        query = query.where(a.c.unit_id == request.unit_id)
    if request.region:
        query = query.where(starts_with(a.c.region_code, request.region))
    query = query.order_by(a.c.starts_at, a.c.activity_id).execution_options(yield_per=PARTITION)
    book = ActivityBook(request.title, clear=request.clear, contacts=request.contacts or request.clear)

    async def write(connection: AsyncConnection) -> None:
        result = await connection.stream(query)
        async for partition in result.mappings().partitions(PARTITION):
            chosen = [activity_of(dict(row)) for row in partition]
            if request.key_only:
                chosen = [x for x in chosen if x.details.key_activity]
            await asyncio.to_thread(book.add, chosen)

    await reading(backbone.engine, write)
    return await asyncio.to_thread(_saved, book), book.count


def _saved(book: ActivityBook) -> Path:
    descriptor, name = tempfile.mkstemp(prefix="kepuri-export-", suffix=".xlsx")
    os.close(descriptor)
    path = Path(name)
    try:
        book.save(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
