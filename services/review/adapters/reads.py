"""Reads of review's view that its commands share: a campaign's chain, one row, an activity's fields."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chain import Chain
from ..domain.errors import NotEligible, Unknown
from .tables import review_activities, review_campaigns


async def chain_of(connection: AsyncConnection, campaign_id: str) -> Chain:
    row = await row_of(connection, review_campaigns, review_campaigns.c.campaign_id, campaign_id)
    if row is None:
        raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)")
    deadline = date.fromisoformat(row["recommendation_deadline"]) if row["recommendation_deadline"] else None
    chain = Chain.of(campaign_id, {"recommendation": json.loads(row["chain"] or "null")}, deadline)
    if chain is None:
        raise NotEligible(f"{row['title']} 没有推荐环节 (the campaign has no recommendation step)")
    return chain


async def row_of(connection: AsyncConnection, table: Any, key: Any, value: str) -> dict[str, Any] | None:
    row = (await connection.execute(select(table).where(key == value))).mappings().first()
    return dict(row) if row is not None else None


def fields_of(activity: dict[str, Any]) -> tuple[str, ...]:
    """What a society's field is matched against: the activity's category, joint action and themes."""
    values = [activity["category"], activity["joint_action"], *json.loads(activity["themes"] or "[]")]
    return tuple(dict.fromkeys(v for v in values if v))


async def unit_fields(connection: AsyncConnection, campaign_id: str, unit_id: str) -> tuple[str, ...] | None:
    """A unit's fields: those of the activities it registered in the campaign (empty when none of them
    names a category, joint action or theme); None when it registered no activity there at all."""
    t = review_activities
    rows = (
        await connection.execute(
            select(t.c.category, t.c.joint_action, t.c.themes).where(
                t.c.campaign == campaign_id, t.c.organizer_id == unit_id, t.c.status == "registered"
            )
        )
    ).mappings()
    registered = False
    found: dict[str, None] = {}
    for row in rows:
        registered = True
        found.update(dict.fromkeys(fields_of(dict(row))))
    return tuple(found) if registered else None
