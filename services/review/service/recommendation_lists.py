"""What a reviewing body sees of the recommendation chain: its boxes, their counts, and scoreboards.

Boxes, for the caller's body (:func:`~.domain.bodies.body_of`) and one campaign:

* ``received``: waiting at the body's level (pending there; at the chain's top also those it
  selected). A national society only recommends, so nothing is ever received by one.
* ``sent``: recommended by the body itself.
* ``endorsed`` / ``declined``: the body endorsed / declined it (a step of its own in the history).
* ``all``: every recommendation of the campaign whose subject lies in the body's jurisdiction (for
  the national organisers, the whole campaign).

Every box, count, figure and scoreboard is restricted to the body's jurisdiction in SQL (its
region prefix, or a society's field): nothing outside it is ever read into an answer.

Order: ``created_at`` (the default; ``-created_at`` newest first) pages by keyset; by an indicator
(``participation``, ``science_workers``, ``rating``, ``completion``; ``-`` for descending) pages
by offset, as the figures move while a reviewer pages. Either way the cursor is opaque.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.auth import Principal
from shared.store import reading
from shared.web.dates import moment_of

from ..adapters.figures import (
    METRICS,
    Figures,
    Metric,
    Ranked,
    activity_figures,
    activity_scope,
    counted_region,
    json_list_has,
    metric,
    scoreboard,
    sums,
    total_figures,
    unit_figures,
    unit_groups,
)
from ..adapters.reads import row_of
from ..adapters.rows import recommendation_of
from ..adapters.tables import recommendations, review_activities, review_campaigns
from ..domain.bodies import Body, body_of
from ..domain.chain import Chain, Kind
from ..domain.errors import BadParameter, Unknown
from ..domain.recommendations import Recommendation
from ..domain.scoring import Score, Weighted
from ..projections.details import DETAIL_COLUMNS, details_of
from .cursors import encode_cursor, position_of
from .indicator_scores import unit_scores, weights_of

Box = Literal["received", "sent", "endorsed", "declined", "all"]
BOXES: tuple[Box, ...] = ("received", "sent", "endorsed", "declined", "all")
LIST_METRICS: tuple[Metric, ...] = ("participation", "science_workers", "rating", "completion")
PARTITION = 500


@dataclass(frozen=True)
class Sort:
    """``created_at`` or an indicator, ascending or (``-``) descending."""

    key: Literal["created_at"] | Metric
    descending: bool = False

    @classmethod
    def parse(cls, text: str, allowed: Sequence[str]) -> Sort:
        key = text.removeprefix("-")
        if key not in allowed:
            raise BadParameter(f"sort 须为 {'、'.join(allowed)}（可加 - 表示降序），而不是 {text!r}", field="sort")
        return cls(key, text.startswith("-"))  # type: ignore[arg-type]

    @property
    def text(self) -> str:
        return f"{'-' if self.descending else ''}{self.key}"


@dataclass(frozen=True)
class ListQuery:
    campaign_id: str
    box: Box = "received"
    kind: Kind | None = None
    sort: str = "created_at"
    cursor: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class Listed:
    """A recommendation with its row (form, names), its activity's unit and the figures beside it."""

    rec: Recommendation
    row: dict[str, Any]
    unit_id: str | None
    activity: Figures | None
    unit: Figures | None
    score: Score | None = None  # the unit's indicator scores, against the units in the body's jurisdiction

    @property
    def form(self) -> dict[str, Any]:
        form: dict[str, Any] = json.loads(self.row["form"])
        return form

    @property
    def details(self) -> dict[str, Any] | None:
        """What the organizer registered and completed, for an activity recommendation (else None)."""
        return details_of(self.row) if self.rec.kind == "activity" else None


@dataclass(frozen=True)
class Page:
    items: list[Listed]
    next_cursor: str | None
    counts: dict[Box, int]
    sort: Sort


@dataclass(frozen=True)
class Context:
    """Who is asking about which campaign: the body, the campaign's title and chain (None: no chain)."""

    body: Body
    campaign_id: str
    title: str
    chain: Chain | None
    weights: tuple[Weighted, ...] = ()  # the campaign's weighted indicators (scores beside each item)

    @property
    def top(self) -> str | None:
        return self.chain.top if self.chain else None


@dataclass(frozen=True)
class Scoreboard:
    items: list[Ranked]
    next_cursor: str | None
    total: Figures
    region: str
    digits: int


class Lists:
    """Boxes, counts, exports' rows and scoreboards, each in one read transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(self, principal: Principal, wanted: ListQuery) -> Page:
        body = body_of(principal)
        sort = Sort.parse(wanted.sort, ("created_at", *LIST_METRICS))
        after = _position(wanted.cursor, sort) if wanted.cursor else None

        async def read(connection: AsyncConnection) -> Page:
            context = await _context(connection, body, wanted.campaign_id)
            query = _selection(context, wanted.box, wanted.kind, sort)
            if isinstance(after, int):
                query = query.offset(after)
            elif after is not None:
                query = query.where(_after(sort, *after))
            rows = [dict(row) for row in (await connection.execute(query.limit(wanted.limit + 1))).mappings()]
            more = len(rows) > wanted.limit
            rows = rows[: wanted.limit]
            items = await _listed(connection, context, rows)
            counts = await _counts(connection, context, wanted.kind)
            return Page(items, _next(sort, rows, after) if more else None, counts, sort)

        return await reading(self._engine, read)

    async def each_partition(
        self,
        principal: Principal,
        wanted: ListQuery,
        started: Callable[[Context], Awaitable[None]],
        handle: Callable[[list[Listed]], Awaitable[None]],
    ) -> None:
        """Stream a whole box (no paging) to ``handle``, :data:`PARTITION` items at a time, figures beside."""
        body = body_of(principal)
        sort = Sort.parse(wanted.sort, ("created_at", *LIST_METRICS))

        async def read(connection: AsyncConnection) -> None:
            context = await _context(connection, body, wanted.campaign_id)
            await started(context)
            query = _selection(context, wanted.box, wanted.kind, sort).execution_options(yield_per=PARTITION)
            result = await connection.stream(query)
            best: dict[Any, float] = {}  # the compared set's bests, read once for the whole export
            async for partition in result.mappings().partitions(PARTITION):
                await handle(await _listed(connection, context, [dict(row) for row in partition], best))

        await reading(self._engine, read)

    async def indicators(
        self,
        principal: Principal,
        campaign_id: str,
        *,
        by: Literal["unit", "region"] = "unit",
        region: str | None = None,
        sort: str = "-activities",
        cursor: str | None = None,
        limit: int = 50,
    ) -> Scoreboard:
        """The scoreboard of units or regions (one level below ``region``) inside the body's jurisdiction."""
        body = body_of(principal)
        order = Sort.parse(sort, METRICS)
        prefix, digits = counted_region(body, region)
        offset = _offset(cursor, f"{by}:{order.text}:{prefix}") if cursor else 0
        scope = and_(activity_scope(body), review_activities.c.region_code.startswith(prefix, autoescape=True))

        async def read(connection: AsyncConnection) -> Scoreboard:
            await _context(connection, body, campaign_id)
            ranked = await scoreboard(
                connection,
                campaign_id,
                scope,
                by=by,
                digits=digits,
                sort=order.key,  # type: ignore[arg-type]
                descending=order.descending,
                offset=offset,
                limit=limit + 1,
            )
            total = await total_figures(connection, campaign_id, scope)
            more = len(ranked) > limit
            following = encode_cursor(["o", f"{by}:{order.text}:{prefix}", offset + limit]) if more else None
            return Scoreboard(ranked[:limit], following, total, prefix, digits)

        return await reading(self._engine, read)


async def _context(connection: AsyncConnection, body: Body, campaign_id: str) -> Context:
    row = await row_of(connection, review_campaigns, review_campaigns.c.campaign_id, campaign_id)
    if row is None:
        raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)", field="campaign")
    chain = Chain.of(campaign_id, {"recommendation": json.loads(row["chain"] or "null")}, None)
    return Context(body, campaign_id, row["title"], chain, weights_of(row))


def subject_scope(body: Body) -> ColumnElement[bool]:
    """The recommendations whose subject lies in the body's jurisdiction (region prefix or field)."""
    r = recommendations
    if body.field is not None:
        return json_list_has(r.c.fields, body.field)
    if body.jurisdiction:
        return r.c.region_code.startswith(body.jurisdiction, autoescape=True)
    return true()


def step_by(action: str, body: Body) -> ColumnElement[bool]:
    """Whether the history holds an ``action`` step of ``body`` (as ``adapters.rows`` serialises steps)."""
    marker = json.dumps({"action": action, "level": body.level, "body": body.id}, ensure_ascii=False)[1:-1]
    return recommendations.c.history.contains(marker, autoescape=True)


def in_box(context: Context, box: Box) -> ColumnElement[bool]:
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


def _where(context: Context, kind: Kind | None) -> ColumnElement[bool]:
    r = recommendations
    return and_(
        r.c.campaign == context.campaign_id,
        subject_scope(context.body),
        r.c.kind == kind if kind is not None else true(),
    )


def _selection(context: Context, box: Box, kind: Kind | None, sort: Sort) -> Select[Any]:
    """The box's rows in order, each with its activity's unit (and the sort key when by an indicator)."""
    r, a = recommendations, review_activities
    joined = r.outerjoin(a, and_(r.c.kind == "activity", a.c.activity_id == r.c.subject_id))
    columns: list[Any] = [r, a.c.organizer_id.label("activity_unit_id"), *(a.c[name] for name in DETAIL_COLUMNS)]
    order: list[Any]
    if sort.key == "created_at":
        direction = [r.c.created_at, r.c.recommendation_id]
        order = [c.desc() for c in direction] if sort.descending else [c.asc() for c in direction]
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
        name: Metric = sort.key
        key = case((r.c.kind == "activity", metric(acts, name)), else_=metric(units, name)).label("sort_key")
        columns.append(key)
        order = [key.is_(None), key.desc() if sort.descending else key.asc(), r.c.created_at, r.c.recommendation_id]
    return select(*columns).select_from(joined).where(_where(context, kind), in_box(context, box)).order_by(*order)


async def _counts(connection: AsyncConnection, context: Context, kind: Kind | None) -> dict[Box, int]:
    columns = [func.sum(case((in_box(context, box), 1), else_=0)).label(box) for box in BOXES]
    row = (await connection.execute(select(*columns).where(_where(context, kind)))).mappings().one()
    return {box: int(row[box] or 0) for box in BOXES}


async def _listed(
    connection: AsyncConnection, context: Context, rows: list[dict[str, Any]], best: dict[Any, float] | None = None
) -> list[Listed]:
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
        Listed(
            rec,
            row,
            unit,
            activities.get(rec.subject_id) if rec.kind == "activity" else None,
            unit_map.get(unit) if unit else None,
            scored.get(unit) if unit else None,
        )
        for rec, row, unit in zip(recs, rows, units, strict=True)
    ]


# ── cursors ──


def _position(cursor: str, sort: Sort) -> tuple[datetime, str] | int:
    if sort.key != "created_at":
        return _offset(cursor, sort.text)
    kind, sorted_by, created_at, recommendation_id = position_of(cursor, 4)
    at = moment_of(created_at, naive=True)  # as the column came back: SQLite keeps no zone
    if kind == "k" and sorted_by == sort.text and at is not None and isinstance(recommendation_id, str):
        return at, recommendation_id
    raise _bad_cursor()


def _offset(cursor: str, sorted_by: str) -> int:
    kind, by, offset = position_of(cursor, 3)
    if kind == "o" and by == sorted_by and isinstance(offset, int) and offset >= 0:
        return offset
    raise _bad_cursor()


def _bad_cursor() -> BadParameter:
    return BadParameter(
        "分页游标与本次查询不符，请不带 cursor 重新开始 (the cursor is not one of this listing)", field="cursor"
    )


def _after(sort: Sort, created_at: datetime, recommendation_id: str) -> ColumnElement[bool]:
    r = recommendations
    if sort.descending:
        return or_(
            r.c.created_at < created_at, and_(r.c.created_at == created_at, r.c.recommendation_id < recommendation_id)
        )
    return or_(
        r.c.created_at > created_at, and_(r.c.created_at == created_at, r.c.recommendation_id > recommendation_id)
    )


def _next(sort: Sort, rows: list[dict[str, Any]], after: tuple[datetime, str] | int | None) -> str:
    if sort.key != "created_at":
        return encode_cursor(["o", sort.text, (after if isinstance(after, int) else 0) + len(rows)])
    last = rows[-1]
    return encode_cursor(["k", sort.text, last["created_at"].isoformat(), last["recommendation_id"]])
