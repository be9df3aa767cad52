"""The directory's search statements, built once per *shape* and run with the search's values.

A :class:`Shape` says which filters a search has and which way the database is to read (the
search index, an ordered index, the near-me index); never a value. :func:`statement` builds the
shape's SQL once (and keeps it, with its compiled form and cache key); :func:`parameters` gives
each search's values under the names the statement binds. Building a SQLAlchemy statement costs
about as much as running one of these queries, so only the first search of a shape pays for it.

How each shape reads (the reasons are in the functions below):

- start order, no text: the ``public``-first ordered index of the region or campaign, or of start;
- start order, text, SQLite: FTS5 in rowid order, which is start order (order.py, index.py);
- start order, text, PostgreSQL: the planner's choice between GIN and the ordered indexes, after a
  bounded walk in start order when the text has several lexemes (:func:`_walked`);
- distance order: for each latitude band the circle crosses, the index range of its longitudes;
  the nearest ids and distances from the index alone, then their rows (geo.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    column,
    exists,
    func,
    or_,
    select,
    table,
    true,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from ..adapters.tables import DIRECTORY_SEARCH, directory_activities
from . import index
from .criteria import FORMATS_MATCHING, ByDistance, ByStart, Criteria
from .order import MINUTES, SLOT_BITS, minute_of
from .search import tsquery_literal

t = directory_activities
_EARLIER = directory_activities.alias("earlier")
_SEARCH = table(DIRECTORY_SEARCH, column("rowid"), column("tokens"))
ANSWER = (t.c.activity_id, t.c.data, t.c.check_ins, t.c.ratings, t.c.rating_sum, t.c.latitude, t.c.longitude)
# PostgreSQL: the rows in start order a search of several lexemes reads before the planner's plan.
WALK_ROWS = 1000

# How the text is read: "index" (SQLite FTS5 in rowid order), "probe" and "lookup" (SQLite near-me,
# a common or a rare text), "vector" (PostgreSQL), "walk" (PostgreSQL, several lexemes).
Text = Literal["", "index", "probe", "lookup", "vector", "walk"]
_N = bindparam("n", type_=Integer)
_AFTER_START, _AFTER_ID = bindparam("after_start", type_=DateTime(timezone=True)), bindparam("after_id", type_=String)
_CX, _CY, _CZ = (bindparam(name, type_=Float) for name in ("cx", "cy", "cz"))
_CHORD = (t.c.x - _CX) * (t.c.x - _CX) + (t.c.y - _CY) * (t.c.y - _CY) + (t.c.z - _CZ) * (t.c.z - _CZ)
_LEVELS = {2: t.c.province, 4: t.c.city, 6: t.c.region_code}
_LIKE_ESCAPE = "/"


@dataclass(frozen=True, slots=True)
class Shape:
    """What a search's statement depends on, besides values."""

    near: bool
    text: Text
    after: bool
    region: int = 0  # the length of the region code: its level
    campaign: bool = False
    category: bool = False
    programme: bool = False
    theme: bool = False
    target_group: bool = False
    format: bool = False
    ends_after: bool = False
    starts_before: bool = False
    key_activity: bool = False
    stop_rowid: bool = False  # SQLite index: FTS5 stops at the end of the date range


def shape_of(criteria: Criteria, dialect: str, *, common: bool = False) -> Shape:
    """The shape of ``criteria`` on ``dialect``; ``common``: near-me on SQLite with a common text."""
    near = criteria.near is not None
    text: Text = ""
    if criteria.terms and dialect == "sqlite":
        text = ("probe" if common else "lookup") if near else "index"
    elif criteria.terms:
        several = sum(len(term.tokens) for term in criteria.terms) > 1
        text = "walk" if several and not near else "vector"
    after = isinstance(criteria.after, ByDistance if near else ByStart)
    return Shape(
        near=near,
        text=text,
        after=after,
        region=len(criteria.region) if criteria.region else 0,
        campaign=bool(criteria.campaign_id),
        category=bool(criteria.category),
        programme=bool(criteria.programme),
        theme=bool(criteria.theme),
        target_group=bool(criteria.target_group),
        format=bool(criteria.format),
        ends_after=criteria.ends_after is not None,
        starts_before=criteria.starts_before is not None,
        key_activity=criteria.key_activity is not None,
        stop_rowid=text == "index" and _stop_rowid(criteria) is not None,
    )


def parameters(criteria: Criteria, shape: Shape) -> dict[str, Any]:
    """The values of ``criteria`` under the names :func:`statement` binds for ``shape``."""
    values: dict[str, Any] = {
        "n": criteria.limit + 1,
        "region": criteria.region,
        "campaign": criteria.campaign_id,
        "category": criteria.category,
        "programme": criteria.programme,
        "theme": _tag(criteria.theme),
        "target_group": _tag(criteria.target_group),
        "formats": list(FORMATS_MATCHING[criteria.format]) if criteria.format else None,
        "ends_after": criteria.ends_after,
        "starts_before": criteria.starts_before,
        "key_activity": criteria.key_activity,
        "stop_rowid": _stop_rowid(criteria) if shape.stop_rowid else None,
    }
    if shape.text in ("index", "probe", "lookup"):
        values["match"] = index.match(criteria.terms, criteria.region, criteria.campaign_id)
    elif shape.text:
        values["tsquery"] = tsquery_literal(criteria.terms)
    if shape.after and isinstance(criteria.after, ByStart):
        values |= {"after_start": criteria.after.starts_at.astimezone(UTC), "after_id": criteria.after.activity_id}
    elif shape.after and isinstance(criteria.after, ByDistance):
        values |= {"after_chord": criteria.after.chord_squared, "after_id": criteria.after.activity_id}
    if criteria.near is not None:
        (x, y, z), (_, _, west, east) = criteria.near.centre_vector(), criteria.near.bounding_box()
        values |= {"cx": x, "cy": y, "cz": z, "bands": criteria.near.bands(), "west": west, "east": east}
        values["chord_limit"] = criteria.near.chord_squared_limit()
    return {name: value for name, value in values.items() if value is not None}


@lru_cache(maxsize=256)
def statement(shape: Shape) -> Select[Any]:
    """The statement of a shape (kept: its compiled form and cache key are kept with it)."""
    if shape.near:
        return _nearest(shape)
    if shape.text == "index":
        return _indexed(shape)
    if shape.text == "walk":
        return _walked(shape)
    conditions = [*_filters(shape), *_text(shape), *_after_start(shape)]
    return select(*ANSWER, t.c.starts_at).where(*conditions).order_by(t.c.starts_at, t.c.activity_id).limit(_N)


def _indexed(shape: Shape) -> Select[Any]:
    """A text search in start order on SQLite: FTS5's matches in rowid order, which is start order.

    FTS5 drives (``public + 0`` keeps SQLite off the indexes that start with ``public``) and the
    page ends after ``limit + 1`` matches that pass the filters; the region and campaign are in
    the MATCH too (index.py). A cursor starts FTS5 after the rowid of the last public activity at
    or before it (every row numbered up to there lists up to there); the exact (start, id)
    condition stays, for rows numbered in between.
    """
    conditions = [
        _SEARCH.c.tokens.op("MATCH")(bindparam("match", type_=String)),
        type_coerce(t.c.public, Integer) + 0 == 1,
        *_filters(shape),
    ]
    if shape.after:
        position = tuple_(_AFTER_START, _AFTER_ID)
        earlier = (
            select(_EARLIER.c.doc_id)
            .where(_EARLIER.c.public == true(), tuple_(_EARLIER.c.starts_at, _EARLIER.c.activity_id) <= position)
            .order_by(_EARLIER.c.starts_at.desc(), _EARLIER.c.activity_id.desc())
            .limit(1)
            .scalar_subquery()
        )
        conditions += [_SEARCH.c.rowid > func.coalesce(earlier, -1), tuple_(t.c.starts_at, t.c.activity_id) > position]
    if shape.stop_rowid:
        conditions.append(_SEARCH.c.rowid < bindparam("stop_rowid", type_=Integer))
    return (
        select(*ANSWER, t.c.starts_at)
        .select_from(_SEARCH.join(t, t.c.doc_id == _SEARCH.c.rowid))
        .where(*conditions)
        .order_by(_SEARCH.c.rowid)
        .limit(_N)
    )


def _walked(shape: Shape) -> Select[Any]:
    """A search of several lexemes on PostgreSQL: a bounded walk in start order, else the planner's plan.

    PostgreSQL estimates a phrase (人工智能: 人工 <-> 工智 <-> 智能) or several terms as if their
    lexemes were independent, so it takes a common one for rare and sorts every match the GIN index
    finds (tens of thousands at 500,000 activities). So the first :data:`WALK_ROWS` rows in start
    order are read first: they hold the page of any text in more than about 2 % of activities. Only
    when they do not does the plain query run (one statement: PostgreSQL skips the second part when
    the first filled the page).
    """
    conditions = [*_filters(shape), t.c.public == true(), *_after_start(shape)]
    query = cast(bindparam("tsquery", type_=String), TSQUERY)
    window = (
        select(*ANSWER, t.c.starts_at, t.c.search_vector)
        .where(*conditions)
        .order_by(t.c.starts_at, t.c.activity_id)
        .limit(WALK_ROWS)
        .subquery("window")
    )
    w = window.c
    walk = (
        select(*(w[c.name] for c in (*ANSWER, t.c.starts_at)))
        .where(w.search_vector.op("@@")(query))
        .order_by(w.starts_at, w.activity_id)
        .limit(_N)
        .cte("walk")
    )
    filled = select(func.count()).select_from(walk).scalar_subquery() >= _N
    rest = (
        select(*ANSWER, t.c.starts_at)
        .where(*conditions, t.c.search_vector.op("@@")(query), ~filled)
        .order_by(t.c.starts_at, t.c.activity_id)
        .limit(_N)
    )
    page = union_all(select(walk).where(filled), rest).subquery("page")
    return select(page).order_by(page.c.starts_at, page.c.activity_id)


def _nearest(shape: Shape) -> Select[Any]:
    """A page in distance order: the nearest ids and distances first (from the near-me index alone
    when nothing else filters), then their rows.

    Inside the circle: the bands and longitudes of its bounding box (the index), then the distance.
    The bands cover the box's latitudes and every point of the circle is inside them, so the
    distance alone decides, as it did with the box's latitudes.
    """
    conditions = [*_filters(shape), *_text(shape)]
    conditions += [
        t.c.band.in_(bindparam("bands", expanding=True)),
        t.c.longitude.between(bindparam("west", type_=Float), bindparam("east", type_=Float)),
        _CHORD <= bindparam("chord_limit", type_=Float),
    ]
    if shape.after:
        chord = bindparam("after_chord", type_=Float)
        conditions.append(or_(_CHORD > chord, and_(_CHORD == chord, t.c.activity_id > _AFTER_ID)))
    nearest = (
        select(t.c.activity_id, _CHORD.label("chord_squared"))
        .where(*conditions)
        .order_by(_CHORD, t.c.activity_id)
        .limit(_N)
        .subquery("nearest")
    )
    return (
        select(*ANSWER, t.c.starts_at, nearest.c.chord_squared)
        .select_from(nearest.join(t, t.c.activity_id == nearest.c.activity_id))
        .order_by(nearest.c.chord_squared, nearest.c.activity_id)
    )


def _filters(shape: Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.region:
        conditions.append(_LEVELS[shape.region] == bindparam("region", type_=String))
    if shape.campaign:
        conditions.append(t.c.campaign_id == bindparam("campaign", type_=String))
    if shape.category:
        conditions.append(t.c.category == bindparam("category", type_=String))
    if shape.programme:
        conditions.append(t.c.programme == bindparam("programme", type_=String))
    if shape.theme:
        conditions.append(t.c.themes.like(bindparam("theme", type_=String), escape=_LIKE_ESCAPE))
    if shape.target_group:
        conditions.append(t.c.target_groups.like(bindparam("target_group", type_=String), escape=_LIKE_ESCAPE))
    if shape.format:
        conditions.append(t.c.format.in_(bindparam("formats", expanding=True)))
    if shape.ends_after:
        conditions.append(t.c.ends_at > bindparam("ends_after", type_=DateTime(timezone=True)))
    if shape.starts_before:
        conditions.append(t.c.starts_at < bindparam("starts_before", type_=DateTime(timezone=True)))
    if shape.key_activity:
        conditions.append(t.c.key_activity == bindparam("key_activity", type_=Boolean))
    return conditions


def _text(shape: Shape) -> list[ColumnElement[bool]]:
    """The text condition, with ``public`` (for near-me on SQLite, shaped so the right side drives).

    PostgreSQL's planner weighs the GIN index against the ordered indexes from its statistics.
    SQLite cannot see inside FTS5, so near-me counts first (queries.py): a rare text is looked up
    in the search index and its few matches sorted (``public + 0`` keeps SQLite off the indexes
    that start with ``public``); a common one walks the near-me index and asks the search index
    about each row in the circle.
    """
    if not shape.text:
        return [t.c.public == true()]
    if shape.text in ("vector", "walk"):
        return [t.c.public == true(), t.c.search_vector.op("@@")(cast(bindparam("tsquery", type_=String), TSQUERY))]
    match = _SEARCH.c.tokens.op("MATCH")(bindparam("match", type_=String))
    if shape.text == "probe":
        return [t.c.public == true(), exists(select(_SEARCH.c.rowid).where(_SEARCH.c.rowid == t.c.doc_id, match))]
    return [type_coerce(t.c.public, Integer) + 0 == 1, t.c.doc_id.in_(select(_SEARCH.c.rowid).where(match))]


def _after_start(shape: Shape) -> list[ColumnElement[bool]]:
    return [tuple_(t.c.starts_at, t.c.activity_id) > tuple_(_AFTER_START, _AFTER_ID)] if shape.after else []


def _stop_rowid(criteria: Criteria) -> int | None:
    """Past this search-index rowid nothing starts before the date range's end (None: no bound)."""
    if criteria.starts_before is None or (minute := minute_of(criteria.starts_before)) + 1 >= MINUTES:
        return None
    return (minute + 1) << SLOT_BITS


def _tag(value: str | None) -> str | None:
    """A LIKE pattern finding ``|value|`` in a tags column (see rows.tags)."""
    if not value:
        return None
    escaped = "".join(f"{_LIKE_ESCAPE}{c}" if c in f"%_{_LIKE_ESCAPE}" else c for c in f"|{value.casefold()}|")
    return f"%{escaped}%"
