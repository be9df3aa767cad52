"""The first view: registered, not withdrawn activities per province."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters.overview import province_counts


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
    provinces = [ProvinceCount(code, n) for code, n in await province_counts(engine, campaign) if n]
    return Overview(sum(c.activities for c in provinces), provinces)
