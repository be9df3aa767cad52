"""The reads of a reviewing body's recommendation boxes: each box in SQL, restricted to the body's
jurisdiction (its region prefix, or a society's field), ordered by creation or by an indicator, with
the figures and scores of a whole page read in grouped queries (never one query per item).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.store import starts_with

from ..domain.bodies import Body
from ..domain.chain import Chain, Kind
from ..domain.errors import Unknown
from ..domain.recommendations import Recommendation
from ..domain.scoring import Score, Weighted
from ..projections.details import DETAIL_COLUMNS
from .figures import (
    Figures,
    Metric,
    activity_figures,
    activity_scope,
    json_list_has,
    metric,
    sums,
    unit_figures,
    unit_groups,
)
from .reads import row_of
from .rows import recommendation_of
from .score_queries import unit_scores, weights_of
from .tables import recommendations, review_activities, review_campaigns

Box = Literal["received", "sent", "endorsed", "declined", "all"]
BOXES: tuple[Box, ...] = ("received", "sent", "endorsed", "declined", "all")
#: one item of a page: the recommendation, its row, its unit, the activity's and unit's figures, the unit's score
Item = tuple[Recommendation, dict[str, Any], str | None, Figures | None, Figures | None, Score | None]


class Asking(Protocol):
    """Who asks about which campaign (the service's ``Context``)."""

    @property
    def body(self) -> Body: ...

    @property
    def campaign_id(self) -> str: ...

    @property
    def weights(self) -> tuple[Weighted, ...]: ...

    @property
    def top(self) -> str | None: ...


async def campaign_of(connection: AsyncConnection, campaign_id: str) -> tuple[str, Chain | None, tuple[Weighted, ...]]:
    """The campaign's title, chain (None: none) and weighted indicators (:class:`Unknown` naming ``campaign``)."""
    row = await row_of(connection, review_campaigns, review_campaigns.c.campaign_id, campaign_id)
    if row is None:
        raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)", field="campaign")
    chain = Chain.of(campaign_id, {"recommendation": json.loads(row["chain"] or "null")}, None)
    return row["title"], chain, weights_of(row)


async def box_page(
    connection: AsyncConnection,
    context: Asking,
    box: Box,
    kind: Kind | None,
    sort: tuple[str, bool],
    after: tuple[datetime, str] | int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of the box after ``after`` (a keyset position, or an offset when by an indicator)."""
    query = _selection(context, box, kind, *sort)
    if isinstance(after, int):
        query = query.offset(after)
    elif after is not None:
        query = query.where(_after(sort[1], *after))
    return [dict(row) for row in (await connection.execute(query.limit(limit))).mappings()]


async def box_partitions(
    connection: AsyncConnection, context: Asking, box: Box, kind: Kind | None, sort: tuple[str, bool], size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """The whole box (no paging), ``size`` rows at a time, streamed from the database."""
    query = _selection(context, box, kind, *sort).execution_options(yield_per=size)
    result = await connection.stream(query)
    async for partition in result.mappings().partitions(size):
        yield [dict(row) for row in partition]


def subject_scope(body: Body) -> ColumnElement[bool]:
    """The recommendations whose subject lies in the body's jurisdiction (region prefix or field)."""
    r = recommendations
    if body.field is not None:
        return json_list_has(r.c.fields, body.field)
    if body.jurisdiction:
        return starts_with(r.c.region_code, body.jurisdiction)
    return true()


def step_by(action: str, body: Body) -> ColumnElement[bool]:
    """Whether the history holds an ``action`` step of ``body`` (as ``adapters.rows`` serialises steps)."""
    marker = json.dumps({"action": action, "level": body.level, "body": body.id}, ensure_ascii=False)[1:-1]
    return recommendations.c.history.contains(marker, autoescape=True)


def in_box(context: Asking, box: Box) -> ColumnElement[bool]:
    r, body = recommendations, context.body
    if box == "received":
        if body.field is not None:
            return false()
        waiting = ("pending", "selected") if body.level == context.top else ("pending",)
        return and_(r.c.level == body.level, r.c.status.in_(waiting))
    if box == "sent":
        return r.c.origin == body.id
    if box in ("endorsed", "declined"):
        return step_by(box, body)
    return true()


def _where(context: Asking, kind: Kind | None) -> ColumnElement[bool]:
    r = recommendations
    return and_(
        r.c.campaign == context.campaign_id,
        subject_scope(context.body),
        r.c.kind == kind if kind is not None else true(),
    )


def _selection(context: Asking, box: Box, kind: Kind | None, by: str, descending: bool) -> Select[Any]:
    """The box's rows in order, each with its activity's unit (and the sort key when by an indicator)."""
    r, a = recommendations, review_activities
    joined = r.outerjoin(a, and_(r.c.kind == "activity", a.c.activity_id == r.c.subject_id))
    columns: list[Any] = [r, a.c.organizer_id.label("activity_unit_id"), *(a.c[name] for name in DETAIL_COLUMNS)]
    order: list[Any]
    if by == "created_at":
        direction = [r.c.created_at, r.c.recommendation_id]
        order = [c.desc() for c in direction] if descending else [c.asc() for c in direction]
    else:
        scope = activity_scope(context.body)
        recommended = select(r.c.subject_id).where(r.c.campaign == context.campaign_id).correlate(None)
        acts = (
            select(a.c.activity_id, *sums())
            .where(
                a.c.campaign == context.campaign_id,
                a.c.status == "registered",
                scope,
                a.c.activity_id.in_(recommended.where(r.c.kind == "activity")),
            )
            .group_by(a.c.activity_id)
            .subquery("subject_activity")
        )
        units = (
            unit_groups(context.campaign_id, scope)
            .where(a.c.organizer_id.in_(recommended.where(r.c.kind == "unit")))
            .subquery("subject_unit")
        )
        joined = joined.outerjoin(acts, and_(r.c.kind == "activity", acts.c.activity_id == r.c.subject_id))
        joined = joined.outerjoin(units, and_(r.c.kind == "unit", units.c.unit_id == r.c.subject_id))
        name: Metric = by  # type: ignore[assignment]
        key = case((r.c.kind == "activity", metric(acts, name)), else_=metric(units, name)).label("sort_key")
        columns.append(key)
        order = [key.is_(None), key.desc() if descending else key.asc(), r.c.created_at, r.c.recommendation_id]
    return select(*columns).select_from(joined).where(_where(context, kind), in_box(context, box)).order_by(*order)


async def box_counts(connection: AsyncConnection, context: Asking, kind: Kind | None) -> dict[Box, int]:
    columns = [func.sum(case((in_box(context, box), 1), else_=0)).label(box) for box in BOXES]
    row = (await connection.execute(select(*columns).where(_where(context, kind)))).mappings().one()
    return {box: int(row[box] or 0) for box in BOXES}


async def page_items(
    connection: AsyncConnection, context: Asking, rows: list[dict[str, Any]], best: dict[Any, float] | None = None
) -> list[Item]:
    """The recommendations of ``rows`` with their figures: two grouped queries for the whole page."""
    scope = activity_scope(context.body)
    recs = [recommendation_of(row) for row in rows]
    units = [
        rec.subject_id if rec.kind == "unit" else row["activity_unit_id"] for rec, row in zip(recs, rows, strict=True)
    ]
    activities = await activity_figures(connection, [r.subject_id for r in recs if r.kind == "activity"], scope)
    unit_map = await unit_figures(connection, context.campaign_id, [u for u in units if u], scope)
    scored = await unit_scores(connection, context.campaign_id, scope, unit_map, context.weights, best)
    return [
        (
            rec,
            row,
            unit,
            activities.get(rec.subject_id) if rec.kind == "activity" else None,
            unit_map.get(unit) if unit else None,
            scored.get(unit) if unit else None,
        )
        for rec, row, unit in zip(recs, rows, units, strict=True)
    ]


def _after(descending: bool, created_at: datetime, recommendation_id: str) -> ColumnElement[bool]:
    r = recommendations
    if descending:
        return or_(
            r.c.created_at < created_at, and_(r.c.created_at == created_at, r.c.recommendation_id < recommendation_id)
        )
    return or_(
        r.c.created_at > created_at, and_(r.c.created_at == created_at, r.c.recommendation_id > recommendation_id)
    )
