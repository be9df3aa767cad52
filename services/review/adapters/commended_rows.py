"""The commended recommendations of a campaign, as the public list reads them (no form, no contact)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.store import reading

from .tables import recommendations


async def commended_rows(engine: AsyncEngine, campaign_id: str, limit: int) -> list[Any]:
    """Kind, subject, names, region and history of each commended one: units first, then by name."""
    r = recommendations
    query = (
        select(r.c.kind, r.c.subject_id, r.c.subject_name, r.c.unit_name, r.c.region_code, r.c.history)
        .where(r.c.campaign == campaign_id, r.c.commended.is_(True))
        .order_by(r.c.kind.desc(), r.c.subject_name, r.c.subject_id)
        .limit(limit)
    )

    async def read(connection: AsyncConnection) -> list[Any]:
        return list((await connection.execute(query)).mappings().all())

    return await reading(engine, read)
