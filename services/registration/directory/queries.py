"""Reading the directory: search with filters, near-me, one activity, and admissions for check-ins.

Every search is one SQL statement ordered by a unique key (start time then id, or distance then
id) and continued after the last item (keyset pagination), so pages never skip or repeat an
activity however deep the caller goes. Region filters, campaign, start order and place have
indexes that start with ``public``; text goes through the search index of the database (FTS5 on
SQLite, GIN on PostgreSQL) with the same tokens on both (search.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    column,
    exists,
    false,
    or_,
    select,
    table,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.store import reading

from ..adapters.tables import DIRECTORY_SEARCH, directory_activities
from .admissions import Admission
from .criteria import FORMATS_MATCHING, ByDistance, ByStart, Criteria, Found, Page
from .geo import Circle, distance_of_chord_squared
from .listing import Listing
from .search import Term, fts5_match, tsquery_literal

t = directory_activities
_SEARCH = table(DIRECTORY_SEARCH, column("rowid"), column("tokens"))
# Beyond this many matches a text counts as common on SQLite (see _text_matches).
COMMON_MATCHES = 3000
# Near-me first looks this far (plus the distance already paged past), then four times as far, …
FIRST_RING_KM = 5.0
_ANSWER = (t.c.activity_id, t.c.data, t.c.check_ins, t.c.ratings, t.c.rating_sum, t.c.latitude, t.c.longitude)


class DirectoryQueries:
    """The directory's read side, on the service's engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def search(self, criteria: Criteria) -> Page:
        """One page of public activities matching ``criteria``, in start or distance order."""
        dialect = self._engine.dialect.name
        rows = await reading(self._engine, lambda c: _search(c, criteria, dialect))
        found = [_found(row, criteria.near is not None) for row in rows[: criteria.limit]]
        return Page(found, found[-1].place if len(rows) > criteria.limit else None)

    async def get(self, activity_id: str) -> Found | None:
        """A public activity, or None (unknown and not public alike)."""
        statement = select(*_ANSWER, t.c.starts_at).where(t.c.activity_id == activity_id, t.c.public == true())
        rows = await reading(self._engine, lambda c: _all(c, statement))
        return _found(rows[0], False) if rows else None

    async def admissions(self, activity_ids: list[str]) -> dict[str, Admission]:
        """What the check-in path needs of each known activity among ``activity_ids``."""
        found: dict[str, Admission] = {}
        for start in range(0, len(activity_ids), 1000):  # well inside every driver's parameter limit
            chunk = activity_ids[start : start + 1000]
            statement = select(t.c.activity_id, t.c.public, t.c.starts_at, t.c.ends_at, t.c.campaign_id).where(
                t.c.activity_id.in_(chunk), t.c.starts_at.is_not(None)
            )
            for row in await reading(self._engine, partial(_all, statement=statement)):
                found[row.activity_id] = Admission(
                    bool(row.public), _aware(row.starts_at), _aware(row.ends_at), row.campaign_id
                )
        return found


async def _all(connection: AsyncConnection, statement: Select[Any]) -> Sequence[Row[Any]]:
    return (await connection.execute(statement)).all()


async def _search(connection: AsyncConnection, criteria: Criteria, dialect: str) -> Sequence[Row[Any]]:
    """Run the search; near-me widens its circle step by step (nearest first needs only the nearest).

    Rows inside radius r, ordered, are the true first rows whenever there are more than a page of
    them: everything outside is farther. So a small circle answers a dense city at once, and only a
    sparse area pays for the full radius.
    """
    common = criteria.terms and dialect == "sqlite" and await _common(connection, criteria.terms)
    near = criteria.near
    if near is None:
        return await _all(connection, _statement(criteria, dialect, common=bool(common)))
    passed = distance_of_chord_squared(criteria.after.chord_squared) if isinstance(criteria.after, ByDistance) else 0
    step = FIRST_RING_KM
    while True:
        radius = min(near.radius_km, passed + step)
        ring = replace(criteria, near=Circle(near.latitude, near.longitude, radius))
        rows = await _all(connection, _statement(ring, dialect, common=bool(common)))
        if len(rows) > criteria.limit or radius >= near.radius_km:
            return rows
        step *= 4


async def _common(connection: AsyncConnection, terms: tuple[Term, ...]) -> bool:
    """Whether more than :data:`COMMON_MATCHES` activities match (SQLite only; see :func:`_text_matches`)."""
    first = select(_SEARCH.c.rowid).where(_SEARCH.c.tokens.op("MATCH")(fts5_match(terms))).limit(COMMON_MATCHES + 1)
    return len(await _all(connection, first)) > COMMON_MATCHES


def _statement(criteria: Criteria, dialect: str, *, common: bool = False) -> Select[Any]:
    conditions = [*_filters(criteria)]
    if criteria.terms:
        conditions.extend(_text_matches(criteria.terms, dialect, common))
    else:
        conditions.append(t.c.public == true())
    if criteria.near is not None:
        chord = _chord_squared(criteria.near)
        conditions.extend(_inside(criteria.near, chord))
        if isinstance(criteria.after, ByDistance):
            after = criteria.after
            conditions.append(
                or_(
                    chord > after.chord_squared, and_(chord == after.chord_squared, t.c.activity_id > after.activity_id)
                )
            )
        return (
            select(*_ANSWER, t.c.starts_at, chord.label("chord_squared"))
            .where(*conditions)
            .order_by(chord, t.c.activity_id)
            .limit(criteria.limit + 1)
        )
    if isinstance(criteria.after, ByStart):
        position = (criteria.after.starts_at.astimezone(UTC), criteria.after.activity_id)
        conditions.append(tuple_(t.c.starts_at, t.c.activity_id) > tuple_(*position))
    return (
        select(*_ANSWER, t.c.starts_at)
        .where(*conditions)
        .order_by(t.c.starts_at, t.c.activity_id)
        .limit(criteria.limit + 1)
    )


def _filters(criteria: Criteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.region:
        level = {2: t.c.province, 4: t.c.city, 6: t.c.region_code}[len(criteria.region)]
        conditions.append(level == criteria.region)
    if criteria.campaign_id:
        conditions.append(t.c.campaign_id == criteria.campaign_id)
    if criteria.category:
        conditions.append(t.c.category == criteria.category)
    if criteria.theme:
        conditions.append(t.c.themes.contains(f"|{criteria.theme.casefold()}|", autoescape=True))
    if criteria.target_group:
        conditions.append(t.c.target_groups.contains(f"|{criteria.target_group.casefold()}|", autoescape=True))
    if criteria.format:
        conditions.append(t.c.format.in_(FORMATS_MATCHING[criteria.format]))
    if criteria.ends_after:
        conditions.append(t.c.ends_at > criteria.ends_after)
    if criteria.starts_before:
        conditions.append(t.c.starts_at < criteria.starts_before)
    if criteria.key_activity is not None:
        conditions.append(t.c.key_activity == (true() if criteria.key_activity else false()))
    return conditions


def _text_matches(terms: tuple[Term, ...], dialect: str, common: bool) -> list[ColumnElement[bool]]:
    """The text condition, with ``public``; on SQLite shaped so the right side drives the query.

    PostgreSQL's planner weighs the GIN index against the ordered indexes from its statistics.
    SQLite cannot see inside FTS5, so :func:`_common` counts first: a rare text is looked up in the
    search index and its few matches sorted (``public + 0`` keeps SQLite off the public-first
    ordered indexes); a common one walks the ordered index and asks the search index about each row
    (matches are dense, so a page comes after a few hundred rows at most).
    """
    if dialect == "postgresql":
        return [t.c.public == true(), t.c.search_vector.op("@@")(cast(tsquery_literal(terms), TSQUERY))]
    match = _SEARCH.c.tokens.op("MATCH")(fts5_match(terms))
    if common:
        return [t.c.public == true(), exists(select(_SEARCH.c.rowid).where(_SEARCH.c.rowid == t.c.doc_id, match))]
    return [type_coerce(t.c.public, Integer) + 0 == 1, t.c.doc_id.in_(select(_SEARCH.c.rowid).where(match))]


def _chord_squared(near: Circle) -> ColumnElement[float]:
    x, y, z = near.centre_vector()
    return (t.c.x - x) * (t.c.x - x) + (t.c.y - y) * (t.c.y - y) + (t.c.z - z) * (t.c.z - z)


def _inside(near: Circle, chord: ColumnElement[float]) -> list[ColumnElement[bool]]:
    south, north, west, east = near.bounding_box()
    return [
        t.c.latitude.between(south, north),
        t.c.longitude.between(west, east),
        chord <= near.chord_squared_limit(),
    ]


def _found(row: Row[Any], near: bool) -> Found:
    mapping = row._mapping
    position = (mapping["latitude"], mapping["longitude"]) if mapping["latitude"] is not None else None
    place: ByStart | ByDistance
    distance = None
    if near:
        place = ByDistance(mapping["chord_squared"], row.activity_id)
        distance = round(distance_of_chord_squared(mapping["chord_squared"]), 3)
    else:
        place = ByStart(_aware(mapping["starts_at"]), row.activity_id)
    return Found(
        activity_id=row.activity_id,
        listing=Listing.model_validate_json(mapping["data"]),
        check_ins=mapping["check_ins"],
        ratings=mapping["ratings"],
        rating_sum=mapping["rating_sum"],
        position=position,
        distance_km=distance,
        place=place,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
