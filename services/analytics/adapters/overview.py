"""The first view's SQL: registered, not withdrawn activities per province, read and written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store.upsert import upsert

from .tables import overview_activities, overview_provinces


async def province_counts(engine: AsyncEngine, campaign: str | None) -> list[tuple[str, int]]:
    """(province, activities) in code order, of one campaign or of all."""
    p = overview_provinces
    query = select(p.c.province, func.sum(p.c.activities).label("n")).group_by(p.c.province).order_by(p.c.province)
    if campaign is not None:
        query = query.where(p.c.campaign == campaign)
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [(code, int(n or 0)) for code, n in rows]


def stored_activities(connection: Connection, activity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The overview's rows of these activities (those it has)."""
    a = overview_activities
    rows = connection.execute(
        select(a.c.activity_id, a.c.campaign, a.c.province, a.c.withdrawn, a.c.version).where(
            a.c.activity_id.in_(set(activity_ids))
        )
    )
    return {row.activity_id: dict(row._mapping) for row in rows}


def put_overview(
    connection: Connection, activities: Sequence[Mapping[str, Any]], delta: Counter[tuple[str, str]]
) -> None:
    """The changed activities' rows, and the per-province counts moved by ``delta``."""
    upsert(
        connection,
        overview_activities,
        list(activities),
        keys=("activity_id",),
        update={"withdrawn": None, "version": None},
    )
    upsert(
        connection,
        overview_provinces,
        [{"campaign": c, "province": p, "activities": n} for (c, p), n in delta.items() if n],
        keys=("campaign", "province"),
        update={"activities": lambda excluded, table: table.c.activities + excluded.activities},
    )
