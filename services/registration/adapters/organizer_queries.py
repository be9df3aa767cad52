"""The SQL of the organizer's dashboard: one unit's activity rows a page at a time, their counts, its drafts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.runtime import Backbone
from shared.store import reading

from .tables import activities, drafts


@dataclass(frozen=True)
class UnitActivities:
    rows: Sequence[Any]  # ``activities`` rows (mappings), newest first, up to the limit + 1
    counts: dict[str, int]  # by status, and ``review_<status>`` of the registered ones
    drafts: int


async def unit_activities(
    backbone: Backbone, unit_id: str, campaign_id: str | None, after: tuple[datetime, str] | None, limit: int
) -> UnitActivities:
    """The unit's activities (of one campaign, if given) registered before ``after`` (registered_at, id)."""

    async def read(connection: AsyncConnection) -> UnitActivities:
        a = activities
        mine = a.c.unit_id == unit_id
        if campaign_id is not None:
            mine = and_(mine, a.c.campaign_id == campaign_id)
        query = select(a).where(mine)
        if after is not None:
            at, activity_id = after
            query = query.where(
                or_(a.c.registered_at < at, and_(a.c.registered_at == at, a.c.activity_id < activity_id))
            )
        ordered = query.order_by(a.c.registered_at.desc(), a.c.activity_id.desc()).limit(limit + 1)
        rows = (await connection.execute(ordered)).mappings().all()
        by_status = select(a.c.status, func.count()).where(mine).group_by(a.c.status)
        counts: dict[str, int] = {status: n for status, n in await connection.execute(by_status)}
        by_review = (
            select(a.c.review_status, func.count()).where(mine, a.c.status == "registered").group_by(a.c.review_status)
        )
        reviewed = [(status, n) for status, n in await connection.execute(by_review)]
        draft_count = await connection.scalar(
            select(func.count()).select_from(drafts).where(drafts.c.unit_id == unit_id)
        )
        return UnitActivities(rows, {**counts, **{f"review_{k}": v for k, v in reviewed}}, int(draft_count or 0))

    return await reading(backbone.engine, read)
