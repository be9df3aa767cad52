"""Content review's reads (:class:`~..service.ports.ContentReads`) over one connection, and its writer.

The queue keeps to the body's jurisdiction in SQL (its region prefix, or a society's field among the
category, joint action and themes); each verdict is the activity's review event appended at the
aggregate's version with the review columns of ``review_activities`` beside it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import Envelope
from shared.store import AggregateAppend, Changes, starts_with

from ..domain.bodies import Body
from ..projections.details import DETAIL_COLUMNS
from ..service.ports import ContentReads, QueueFilter
from .tables import review_activities

STATUSES = ("pending", "approved", "rejected")
_t = review_activities
COLUMNS = (
    _t.c.activity_id,
    _t.c.campaign,
    _t.c.name,
    _t.c.organizer_id,
    _t.c.organizer_name,
    _t.c.region_code,
    _t.c.category,
    _t.c.joint_action,
    _t.c.themes,
    _t.c.format,
    _t.c.registered_at,
    _t.c.status,
    _t.c.info_completed,
    _t.c.review,
    _t.c.review_version,
    _t.c.review_reason,
    _t.c.reviewed_by,
    _t.c.science_workers,
    _t.c.completeness,
    *(_t.c[name] for name in DETAIL_COLUMNS),
)


class SqlContentReads(ContentReads):
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def activities(self, activity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        t = review_activities
        result = await self._connection.execute(select(*COLUMNS).where(t.c.activity_id.in_(list(activity_ids))))
        return {row["activity_id"]: dict(row) for row in result.mappings()}

    async def versions(self, activity_ids: Sequence[str]) -> dict[str, int]:
        events = review_activities.metadata.tables["events"]
        query = (
            select(events.c.aggregate_id, func.max(events.c.version))
            .where(events.c.aggregate_id.in_(list(activity_ids)))
            .group_by(events.c.aggregate_id)
        )
        return {aggregate_id: int(version) for aggregate_id, version in await self._connection.execute(query)}

    async def queue(
        self, body: Body, wanted: QueueFilter, after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        t = review_activities
        scope = _scope(body, wanted)
        query = select(*COLUMNS).where(*scope, t.c.review == wanted.status)
        if after is not None:
            at, activity_id = after
            query = query.where(
                or_(t.c.registered_at > at, and_(t.c.registered_at == at, t.c.activity_id > activity_id))
            )
        query = query.order_by(t.c.registered_at, t.c.activity_id).limit(limit)
        rows = [dict(row) for row in (await self._connection.execute(query)).mappings()]
        # one sum per status, not GROUP BY review: the jurisdiction's index then covers the count
        by_review = select(*(func.sum(case((t.c.review == status, 1), else_=0)).label(status) for status in STATUSES))
        found = (await self._connection.execute(by_review.where(*scope))).mappings().one()
        return rows, {status: int(found[status] or 0) for status in STATUSES}


def verdict_changes(activity_id: str, version: int, envelope: Envelope, state: dict[str, Any]) -> Changes:
    """One verdict: its event at the review aggregate's next version, and the review columns."""
    t = review_activities
    return Changes(
        appends=[AggregateAppend(activity_id, version, [envelope])],
        statements=[t.update().where(t.c.activity_id == activity_id).values(state)],
    )


def _scope(body: Body, wanted: QueueFilter) -> list[ColumnElement[bool]]:
    """The queue's conditions: registered, in the body's jurisdiction, and the caller's filters."""
    t = review_activities
    where: list[ColumnElement[bool]] = [t.c.status == "registered"]
    if body.field is not None:
        # themes is a JSON array of strings: its element ``field`` appears as the JSON string "field"
        theme = json.dumps(body.field, ensure_ascii=False)
        where.append(
            or_(t.c.category == body.field, t.c.joint_action == body.field, t.c.themes.contains(theme, autoescape=True))
        )
    elif body.jurisdiction:
        where.append(starts_with(t.c.region_code, body.jurisdiction))
    if wanted.campaign is not None:
        where.append(t.c.campaign == wanted.campaign)
    if wanted.region is not None:
        where.append(starts_with(t.c.region_code, wanted.region))
    if wanted.category is not None:
        where.append(t.c.category == wanted.category)
    return where
