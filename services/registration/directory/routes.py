"""Science routes as the public sees them, and checking in along them (联动打卡).

- A route is listed when its campaign's ``science_map`` has ``science_routes`` and every activity on
  it is public (a stop that is not yet approved, or withdrawn, hides the route rather than leave a
  hole in it).
- A visitor is the browser that checks in: it keeps a random id (``visitor``) and sends it; the
  service keeps only a keyed hash of it per route, so routes cannot be joined to each other.
- A check-in at an activity stop is an activity check-in (the same rules: public, open from the
  start day to the end day; a ``participation-recorded`` event) and then counts for the route; a venue
  stop (a museum, a base open all year) takes one at any time. Each first check-in at a stop is a row
  in ``route_check_ins`` and a ``route-checked-in`` event, committed together; again at the same stop
  changes nothing.
- A visitor has completed the route when they have checked in at every current stop; the route's
  completions are the visitors who have.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import CATALOG, to_message
from shared.events.payloads.routes import RouteCheckedIn
from shared.events.topics import ROUTES
from shared.observability.logging import correlation_id
from shared.store import Changes, GroupCommitter, reading
from shared.store.upsert import upsert_statement

from ..adapters.tables import route_check_ins, science_routes
from ..domain.route import Progress, RouteDetails, Stop, progress
from .criteria import Found
from .participation import NotListed, Participation, Throttled
from .pseudonyms import participant_ref
from .queries import DirectoryQueries
from .throttle import TokenBucket

SOURCE = "/kepuri/registration"


class UnknownStop(Exception):
    """The route has no such stop."""


@dataclass(frozen=True)
class PublicRoute:
    route_id: str
    campaign_id: str
    details: RouteDetails
    activities: dict[str, Found]  # the activity stops' public listings
    completions: int = 0


class PublicRoutes:
    """The public's science routes: list, read with a visitor's progress, check in."""

    def __init__(
        self,
        engine: AsyncEngine,
        writer: GroupCommitter,
        queries: DirectoryQueries,
        participation: Participation,
        limiter: TokenBucket,
        key: bytes,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._queries = queries
        self._participation = participation
        self._limiter = limiter
        self._key = key
        self._clock = clock

    async def listed(self, campaign_id: str) -> list[PublicRoute]:
        """The campaign's public routes, by name."""
        t = science_routes
        query = select(t).where(t.c.campaign_id == campaign_id).order_by(t.c.name, t.c.route_id)
        rows = await reading(self._engine, lambda c: _rows(c, query))
        routes = [_details(row) for row in rows]
        wanted = sorted({s.activity_id for _, _, d in routes for s in d.stops if s.activity_id})
        found = await self._queries.public_many(wanted) if wanted else {}
        return [
            PublicRoute(route_id, campaign, details, found)
            for route_id, campaign, details in routes
            if all(s.activity_id in found for s in details.stops if s.activity_id)
        ]

    async def view(self, route_id: str) -> PublicRoute:
        """One public route with how many visitors completed it; :class:`NotListed` if not public."""
        route_id, campaign, details = await self._load(route_id)
        wanted = [s.activity_id for s in details.stops if s.activity_id]
        found = await self._queries.public_many(wanted) if wanted else {}
        if len(found) < len(wanted):
            raise NotListed(route_id)
        completions = await reading(self._engine, lambda c: _completions(c, route_id, details.stops))
        return PublicRoute(route_id, campaign, details, found, completions)

    async def progress(self, route_id: str, visitor: str) -> Progress:
        """Where ``visitor`` stands on the route."""
        _, _, details = await self._load(route_id)
        ref = participant_ref(self._key, visitor, f"route:{route_id}")
        checked = await reading(self._engine, lambda c: _checked(c, route_id, ref))
        return progress(details.stops, checked)

    async def check_in(self, route_id: str, stop_key: str, visitor: str, client: str) -> Progress:
        """Record ``visitor`` at the stop; their progress after it."""
        _, campaign, details = await self._load(route_id)
        stop = next((s for s in details.stops if s.key == stop_key), None)
        if stop is None:
            raise UnknownStop(stop_key)
        if stop.activity_id:
            await self._participation.check_in(stop.activity_id, client)  # its rules, its event
        elif (wait := self._limiter.take(client)) is not None:
            raise Throttled(wait)
        ref = participant_ref(self._key, visitor, f"route:{route_id}")
        checked = await reading(self._engine, lambda c: _checked(c, route_id, ref))
        if stop_key in checked:
            return progress(details.stops, checked)
        after = progress(details.stops, {*checked, stop_key})
        payload = RouteCheckedIn(
            route_id=route_id,
            stop_key=stop_key,
            participant_ref=ref,
            checked=len(after.checked),
            completed=after.completed,
        )
        envelope = CATALOG.envelope(
            payload, subject=route_id, sequence=1, source=SOURCE, correlationid=correlation_id.get(), campaign=campaign
        )
        row = {"route_id": route_id, "visitor_ref": ref, "stop_key": stop_key, "checked_at": self._clock()}
        statement = _insert_once(self._engine.dialect.name).values(row)
        await self._writer.submit(Changes(messages=[to_message(envelope, ROUTES.name)], statements=[statement]))
        return after

    async def _load(self, route_id: str) -> tuple[str, str, RouteDetails]:
        query = select(science_routes).where(science_routes.c.route_id == route_id)
        rows = await reading(self._engine, lambda c: _rows(c, query))
        if not rows:
            raise NotListed(route_id)
        return _details(rows[0])


def _insert_once(dialect: str) -> Any:
    return upsert_statement(dialect, route_check_ins, ("route_id", "visitor_ref", "stop_key"))


def _details(row: Any) -> tuple[str, str, RouteDetails]:
    data = json.loads(row.data)
    stops = tuple(Stop(**stop) for stop in data["stops"])
    return row.route_id, row.campaign_id, RouteDetails(row.name, stops, data.get("description"))


async def _rows(connection: AsyncConnection, query: Any) -> list[Any]:
    return list(await connection.execute(query))


async def _checked(connection: AsyncConnection, route_id: str, ref: str) -> set[str]:
    t = route_check_ins
    query = select(t.c.stop_key).where(t.c.route_id == route_id, t.c.visitor_ref == ref)
    return {row.stop_key for row in await connection.execute(query)}


async def _completions(connection: AsyncConnection, route_id: str, stops: tuple[Stop, ...]) -> int:
    t = route_check_ins
    keys = [s.key for s in stops]
    visitors = (
        select(t.c.visitor_ref)
        .where(t.c.route_id == route_id, t.c.stop_key.in_(keys))
        .group_by(t.c.visitor_ref)
        .having(func.count() == len(keys))
        .subquery()
    )
    return int((await connection.execute(select(func.count()).select_from(visitors))).scalar_one())
