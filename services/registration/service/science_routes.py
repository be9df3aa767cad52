"""Registration's service layer for science routes (科普路线): an organizer or a reviewing body
publishes a route of activities and venues in order; each publication is a ``route-published`` event
at the route's next version and its row in ``science_routes``, committed together (a stale version
is a 409, :class:`~shared.store.ConcurrencyError`).

An organizer links its own unit's activities; a reviewer or an admin any activity of the campaign.
Venues (a science museum, a base) are named with their coordinates.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.auth import Principal
from shared.events import CATALOG
from shared.events.payloads.routes import RoutePublished, RouteStop
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, reading
from shared.store.upsert import upsert_statement

from ..adapters.tables import activities, science_routes
from ..domain import route as rules
from ..domain.errors import NotFound
from ..domain.route import RouteDetails, Stop
from .activities import CampaignBook

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


class ScienceRoutes:
    """Publish and read the caller's own routes."""

    def __init__(self, backbone: Backbone, campaigns: CampaignBook) -> None:
        self._backbone = backbone
        self._campaigns = campaigns

    async def publish(
        self,
        principal: Principal,
        campaign_id: str,
        details: RouteDetails,
        route_id: str | None = None,
        version: int = 0,
    ) -> Route:
        """Create a route (``route_id`` None) or change the caller's route at ``version``."""
        if route_id is not None:
            current = await self.get(principal, route_id)
            campaign_id = current.campaign_id
        campaign = await self._campaigns.get(campaign_id)
        rules.require_routes_on(campaign.settings.get("science_map"), campaign_id)
        rules.check(details, await self._campaigns_of(principal, details), campaign_id)
        route = Route(
            route_id or uuid.uuid4().hex, campaign_id, version + 1, details, principal.subject, principal.unit_id
        )
        payload = RoutePublished(
            route_id=route.route_id,
            campaign_id=campaign_id,
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
            campaign=campaign_id,
        )
        row = {
            "route_id": route.route_id,
            "campaign_id": campaign_id,
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
            Changes(appends=[AggregateAppend(route.route_id, version, [envelope])], statements=[statement])
        )
        return route

    async def get(self, principal: Principal, route_id: str) -> Route:
        """The caller's route (an admin's: any)."""
        t = science_routes
        query = select(t).where(t.c.route_id == route_id)
        if principal.role != "admin":
            query = query.where(t.c.owner == principal.subject)
        rows = await reading(self._backbone.engine, lambda c: _rows(c, query))
        if not rows:
            raise NotFound("route", route_id)
        return Route.of_row(rows[0])

    async def mine(self, principal: Principal) -> list[Route]:
        """The caller's routes, the latest changed first."""
        t = science_routes
        query = select(t).where(t.c.owner == principal.subject).order_by(t.c.updated_at.desc(), t.c.route_id)
        return [Route.of_row(row) for row in await reading(self._backbone.engine, lambda c: _rows(c, query))]

    async def _campaigns_of(self, principal: Principal, details: RouteDetails) -> dict[str, str | None]:
        ids = [stop.activity_id for stop in details.stops if stop.activity_id]
        if not ids:
            return {}
        t = activities
        query = select(t.c.activity_id, t.c.campaign_id).where(t.c.activity_id.in_(ids), t.c.status != "withdrawn")
        if principal.role == "organizer":
            query = query.where(t.c.unit_id == principal.unit_id)
        rows = await reading(self._backbone.engine, lambda c: _rows(c, query))
        return {row.activity_id: row.campaign_id for row in rows}


async def _rows(connection: AsyncConnection, query: Any) -> list[Any]:
    return list(await connection.execute(query))
