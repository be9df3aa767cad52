"""Science routes in registration's database: each publication a ``route-published`` event and a row."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import CATALOG
from shared.events.payloads.routes import RoutePublished, RouteStop
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, reading
from shared.store.upsert import upsert_statement

from ..domain.route import RouteDetails, Stop
from .tables import activities, science_routes

SOURCE = "/kepuri/registration"


@dataclass(frozen=True)
class Route:
    route_id: str
    campaign_id: str
    version: int
    details: RouteDetails
    owner: str
    owner_unit: str | None = None

    @classmethod
    def of_row(cls, row: Any) -> Route:
        data = json.loads(row.data)
        stops = tuple(Stop(**stop) for stop in data["stops"])
        details = RouteDetails(name=row.name, stops=stops, description=data.get("description"))
        return cls(row.route_id, row.campaign_id, row.version, details, row.owner, row.owner_unit)


class SqlRouteStore:
    """Routes and the activities their stops name; writes go through the group-commit writer."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def save(self, route: Route, expected_version: int) -> None:
        """The route's ``route-published`` event at its version, and its row."""
        details = route.details
        payload = RoutePublished(
            route_id=route.route_id,
            campaign_id=route.campaign_id,
            name=details.name,
            description=details.description,
            stops=[RouteStop(**asdict(stop)) for stop in details.stops],
            owner_unit=route.owner_unit,
        )
        envelope = CATALOG.envelope(
            payload,
            subject=route.route_id,
            sequence=route.version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=route.campaign_id,
        )
        row = {
            "route_id": route.route_id,
            "campaign_id": route.campaign_id,
            "owner": route.owner,
            "owner_unit": route.owner_unit,
            "version": route.version,
            "name": details.name,
            "data": json.dumps(
                {"description": details.description, "stops": [asdict(s) for s in details.stops]}, ensure_ascii=False
            ),
            "updated_at": datetime.now(UTC),
        }
        columns = ("version", "name", "data", "updated_at")
        statement = upsert_statement(
            self._backbone.engine.dialect.name, science_routes, ("route_id",), dict.fromkeys(columns)
        ).values(row)
        await self._backbone.writer.submit(
            Changes(appends=[AggregateAppend(route.route_id, expected_version, [envelope])], statements=[statement])
        )

    async def get(self, route_id: str, owner: str | None) -> Route | None:
        """The route (only ``owner``'s, when given), or None."""
        t = science_routes
        query = select(t).where(t.c.route_id == route_id)
        if owner is not None:
            query = query.where(t.c.owner == owner)
        rows = await reading(self._backbone.engine, lambda c: _rows(c, query))
        return Route.of_row(rows[0]) if rows else None

    async def owned_by(self, owner: str) -> list[Route]:
        """The owner's routes, the latest changed first."""
        t = science_routes
        query = select(t).where(t.c.owner == owner).order_by(t.c.updated_at.desc(), t.c.route_id)
        return [Route.of_row(row) for row in await reading(self._backbone.engine, lambda c: _rows(c, query))]

    async def campaigns_of(self, activity_ids: list[str], unit_id: str | None) -> dict[str, str | None]:
        """The campaign of each activity not withdrawn (only ``unit_id``'s, when given)."""
        t = activities
        query = select(t.c.activity_id, t.c.campaign_id).where(
            t.c.activity_id.in_(activity_ids), t.c.status != "withdrawn"
        )
        if unit_id is not None:
            query = query.where(t.c.unit_id == unit_id)
        rows = await reading(self._backbone.engine, lambda c: _rows(c, query))
        return {row.activity_id: row.campaign_id for row in rows}


async def _rows(connection: AsyncConnection, query: Any) -> list[Any]:
    return list(await connection.execute(query))
