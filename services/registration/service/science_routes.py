"""Registration's service layer for science routes (科普路线): an organizer or a reviewing body
publishes a route of activities and venues in order; each publication is a ``route-published`` event
at the route's next version and its row in ``science_routes``, committed together (a stale version
is a 409, :class:`~shared.store.ConcurrencyError`).

An organizer links its own unit's activities; a reviewer or an admin any activity of the campaign.
Venues (a science museum, a base) are named with their coordinates.
"""

from __future__ import annotations

import uuid

from shared.auth import Principal

from ..adapters.route_store import Route, SqlRouteStore
from ..domain import route as rules
from ..domain.errors import NotFound
from ..domain.route import RouteDetails
from .activities import CampaignBook

__all__ = ["Route", "ScienceRoutes"]


class ScienceRoutes:
    """Publish and read the caller's own routes."""

    def __init__(self, store: SqlRouteStore, campaigns: CampaignBook) -> None:
        self._store = store
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
        await self._store.save(route, version)
        return route

    async def get(self, principal: Principal, route_id: str) -> Route:
        """The caller's route (an admin's: any)."""
        route = await self._store.get(route_id, None if principal.role == "admin" else principal.subject)
        if route is None:
            raise NotFound("route", route_id)
        return route

    async def mine(self, principal: Principal) -> list[Route]:
        """The caller's routes, the latest changed first."""
        return await self._store.owned_by(principal.subject)

    async def _campaigns_of(self, principal: Principal, details: RouteDetails) -> dict[str, str | None]:
        ids = [stop.activity_id for stop in details.stops if stop.activity_id]
        if not ids:
            return {}
        return await self._store.campaigns_of(ids, principal.unit_id if principal.role == "organizer" else None)
