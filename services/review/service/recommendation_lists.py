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

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.auth import Principal
from shared.store import reading
from shared.web.dates import moment_of

from ..adapters.figures import METRICS, Figures, Metric, Ranked, scope_in, scoreboard, total_figures
from ..adapters.list_queries import BOXES, Box, box_counts, box_page, box_partitions, campaign_of, page_items
from ..domain.bodies import Body, body_of, counted_region
from ..domain.chain import Chain, Kind
from ..domain.errors import BadParameter
from ..domain.recommendations import Recommendation
from ..domain.scoring import Score, Weighted
from ..projections.details import details_of
from .cursors import encode_cursor, position_of

__all__ = ["BOXES", "Box", "Context", "ListQuery", "Listed", "Lists", "Page", "Scoreboard", "Sort"]
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
            order = (sort.key, sort.descending)
            rows = await box_page(connection, context, wanted.box, wanted.kind, order, after, wanted.limit + 1)
            more = len(rows) > wanted.limit
            rows = rows[: wanted.limit]
            items = [Listed(*item) for item in await page_items(connection, context, rows)]
            counts = await box_counts(connection, context, wanted.kind)
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
            order = (sort.key, sort.descending)
            best: dict[Any, float] = {}  # the compared set's bests, read once for the whole export
            async for rows in box_partitions(connection, context, wanted.box, wanted.kind, order, PARTITION):
                await handle([Listed(*item) for item in await page_items(connection, context, rows, best)])

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
        scope = scope_in(body, prefix)

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
    title, chain, weights = await campaign_of(connection, campaign_id)
    return Context(body, campaign_id, title, chain, weights)


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


def _next(sort: Sort, rows: list[dict[str, Any]], after: tuple[datetime, str] | int | None) -> str:
    if sort.key != "created_at":
        return encode_cursor(["o", sort.text, (after if isinstance(after, int) else 0) + len(rows)])
    last = rows[-1]
    return encode_cursor(["k", sort.text, last["created_at"].isoformat(), last["recommendation_id"]])
