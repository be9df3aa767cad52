"""Analytics' read side: answers from the precomputed views, never from raw events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters.tables import overview_provinces


@dataclass(frozen=True)
class ProvinceCount:
    code: str
    activities: int


@dataclass(frozen=True)
class Overview:
    total: int
    provinces: list[ProvinceCount]


async def overview(engine: AsyncEngine, campaign: str | None = None) -> Overview:
    """Registered, not withdrawn activities per province (of one campaign, or of all)."""
    p = overview_provinces
    query = select(p.c.province, func.sum(p.c.activities).label("n")).group_by(p.c.province).order_by(p.c.province)
    if campaign is not None:
        query = query.where(p.c.campaign == campaign)
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    provinces = [ProvinceCount(code, int(n)) for code, n in rows if n]
    return Overview(sum(c.activities for c in provinces), provinces)
