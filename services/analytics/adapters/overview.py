"""The first view's SQL: registered, not withdrawn activities per province."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import overview_provinces


async def province_counts(engine: AsyncEngine, campaign: str | None) -> list[tuple[str, int]]:
    """(province, activities) in code order, of one campaign or of all."""
    p = overview_provinces
    query = select(p.c.province, func.sum(p.c.activities).label("n")).group_by(p.c.province).order_by(p.c.province)
    if campaign is not None:
        query = query.where(p.c.campaign == campaign)
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [(code, int(n or 0)) for code, n in rows]
