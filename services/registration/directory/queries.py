"""Reading the directory: search with filters, near-me, one activity, and admissions for check-ins.

Every search is one SQL statement ordered by a unique key (start time then id, or distance then
id) and continued after the last item (keyset pagination), so pages never skip or repeat an
activity however deep the caller goes. Region filters, campaign, start order and place have
indexes that start with ``public``; text goes through the search index of the database (FTS5 on
SQLite, GIN on PostgreSQL) with the same tokens on both (search.py). The statements themselves,
and how each reads, are in statements.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Select, select, text, true
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import sync_reading

from ..adapters.tables import DIRECTORY_SEARCH
from . import index
from .admissions import Admission
from .criteria import ByDistance, ByStart, Criteria, Found, Page
from .geo import Circle, distance_of_chord_squared
from .statements import ANSWER, parameters, shape_of, statement, t

# Beyond this many matches a text counts as common on SQLite near-me (see statements._text).
COMMON_MATCHES = 3000
# Near-me first looks this far (plus the distance already paged past), then four times as far, …
FIRST_RING_KM = 5.0
_MATCHES = text(f"SELECT rowid FROM {DIRECTORY_SEARCH} WHERE tokens MATCH :match LIMIT {COMMON_MATCHES + 1}")


class DirectoryQueries:
    """The directory's read side, on the service's engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def search(self, criteria: Criteria) -> Page:
        """One page of public activities matching ``criteria``, in start or distance order."""
        dialect = self._engine.dialect.name
        rows = await sync_reading(self._engine, lambda c: _search(c, criteria, dialect))
        found = [_found(row, criteria.near is not None) for row in rows[: criteria.limit]]
        return Page(found, found[-1].place if len(rows) > criteria.limit else None)

    async def get(self, activity_id: str) -> Found | None:
        """A public activity, or None (unknown and not public alike)."""
        query = select(*ANSWER, t.c.starts_at).where(t.c.activity_id == activity_id, t.c.public == true())
        rows = await sync_reading(self._engine, lambda c: _all(c, query))
        return _found(rows[0], False) if rows else None

    async def public_many(self, activity_ids: list[str]) -> dict[str, Found]:
        """The public activities among ``activity_ids`` (a science route's stops: a few dozen at most)."""
        query = select(*ANSWER, t.c.starts_at).where(t.c.activity_id.in_(activity_ids), t.c.public == true())
        rows = await sync_reading(self._engine, lambda c: _all(c, query))
        return {found.activity_id: found for found in (_found(row, False) for row in rows)}

    async def admissions(self, activity_ids: list[str]) -> dict[str, Admission]:
        """What the check-in path needs of each known activity among ``activity_ids``."""
        found: dict[str, Admission] = {}
        for start in range(0, len(activity_ids), 1000):  # well inside every driver's parameter limit
            chunk = activity_ids[start : start + 1000]
            query = select(t.c.activity_id, t.c.public, t.c.starts_at, t.c.ends_at, t.c.campaign_id).where(
                t.c.activity_id.in_(chunk), t.c.starts_at.is_not(None)
            )
            for row in await sync_reading(self._engine, partial(_all, query=query)):
                found[row.activity_id] = Admission(
                    bool(row.public), _aware(row.starts_at), _aware(row.ends_at), row.campaign_id
                )
        return found


def _all(connection: Connection, query: Select[Any], values: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
    return connection.execute(query, values or {}).all()


def _search(connection: Connection, criteria: Criteria, dialect: str) -> Sequence[Row[Any]]:
    """Run the search; near-me widens its circle step by step (nearest first needs only the nearest).

    Rows inside radius r, ordered, are the true first rows whenever there are more than a page of
    them: everything outside is farther. So a small circle answers a dense city at once, and only a
    sparse area pays for the full radius.
    """
    near = criteria.near
    common = bool(criteria.terms) and near is not None and dialect == "sqlite" and _common(connection, criteria)
    shape = shape_of(criteria, dialect, common=common)
    if near is None:
        return _all(connection, statement(shape), parameters(criteria, shape))
    passed = distance_of_chord_squared(criteria.after.chord_squared) if isinstance(criteria.after, ByDistance) else 0
    step = FIRST_RING_KM
    while True:
        radius = min(near.radius_km, passed + step)
        ring = replace(criteria, near=Circle(near.latitude, near.longitude, radius))
        rows = _all(connection, statement(shape), parameters(ring, shape))
        if len(rows) > criteria.limit or radius >= near.radius_km:
            return rows
        step *= 4


def _common(connection: Connection, criteria: Criteria) -> bool:
    """Whether more than :data:`COMMON_MATCHES` activities match (SQLite near-me; see statements._text)."""
    match = index.match(criteria.terms, criteria.region, criteria.campaign_id)
    return len(connection.execute(_MATCHES, {"match": match}).all()) > COMMON_MATCHES


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
        listing=json.loads(mapping["data"]),
        check_ins=mapping["check_ins"],
        ratings=mapping["ratings"],
        rating_sum=mapping["rating_sum"],
        position=position,
        distance_km=distance,
        place=place,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
