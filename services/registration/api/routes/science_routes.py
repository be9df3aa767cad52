"""Science routes (科普路线): ``/api/v1/science-routes`` for the organizers and reviewing bodies who make
them, ``/api/v1/directory/routes`` for the public who follow them and check in along them (联动打卡)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from shared.auth import Principal
from shared.web.auth import require_role
from shared.web.conditional import Rendered, conditional
from shared.web.idempotency import Idempotent

from ...directory.routes import PublicRoutes
from ...service.science_routes import Route
from ..deps import RegistrationDep
from ..freshness import PROGRESS, ROUTES
from ..route_schemas import (
    VISITOR,
    ProgressOut,
    PublicRouteList,
    PublicRouteOut,
    RouteCheckInIn,
    RouteDetailsIn,
    RouteIn,
    RouteList,
    RouteOut,
)
from .activities import version_of
from .directory import _client

router = APIRouter(tags=["science routes"])

MakerDep = Annotated[Principal, require_role("organizer", "reviewer", "admin")]
RouteId = Annotated[str, Path(max_length=64)]
IfMatch = Annotated[str, Header(alias="If-Match", description='The ETag (version) the caller last read, e.g. "1"')]


@router.post(
    "/science-routes",
    status_code=201,
    response_model=RouteOut,
    summary="Publish a science route",
    dependencies=[Idempotent],
)
async def create_route(body: RouteIn, maker: MakerDep, registration: RegistrationDep) -> Response:
    """A route of the campaign (its ``science_map`` must have ``science_routes``): 2 to 30 stops in order."""
    route = await registration.science_routes.publish(maker, body.campaign_id, body.details())
    return _answer(route, 201)


@router.get("/science-routes", response_model=RouteList, summary="The caller's science routes")
async def my_routes(maker: MakerDep, registration: RegistrationDep) -> RouteList:
    return RouteList(items=[RouteOut.of(r) for r in await registration.science_routes.mine(maker)])


@router.get("/science-routes/{route_id}", response_model=RouteOut, summary="Read one of the caller's routes")
async def get_route(route_id: RouteId, maker: MakerDep, registration: RegistrationDep) -> Response:
    return _answer(await registration.science_routes.get(maker, route_id))


@router.put("/science-routes/{route_id}", response_model=RouteOut, summary="Change a route (name, stops, order)")
async def change_route(
    route_id: RouteId, body: RouteDetailsIn, maker: MakerDep, registration: RegistrationDep, if_match: IfMatch
) -> Response:
    route = await registration.science_routes.publish(  # stale: ConcurrencyError, 409
        maker, "", body.details(), route_id=route_id, version=version_of(if_match)
    )
    return _answer(route)


async def _public(registration: RegistrationDep) -> PublicRoutes:
    routes = registration.directory.routes
    assert routes is not None  # wired by bootstrap
    return routes


PublicDep = Annotated[PublicRoutes, Depends(_public)]


@router.get("/directory/routes", response_model=PublicRouteList, summary="A campaign's science routes (public)")
async def public_routes(
    campaign: Annotated[str, Query(max_length=64)], request: Request, routes: PublicDep
) -> Response:
    listed = PublicRouteList(items=[PublicRouteOut.of(r) for r in await routes.listed(campaign)])
    return conditional(request, _rendered(listed), ROUTES)


@router.get("/directory/routes/{route_id}", response_model=PublicRouteOut, summary="A science route (public)")
async def public_route(route_id: RouteId, request: Request, routes: PublicDep) -> Response:
    return conditional(request, _rendered(PublicRouteOut.of(await routes.view(route_id))), ROUTES)  # NotListed: 404


@router.get("/directory/routes/{route_id}/progress", response_model=ProgressOut, summary="A visitor's check-ins")
async def route_progress(
    route_id: RouteId, visitor: Annotated[str, Query(pattern=VISITOR)], request: Request, routes: PublicDep
) -> Response:
    return conditional(request, _rendered(ProgressOut.of(await routes.progress(route_id, visitor))), PROGRESS)


def _rendered(answer: PublicRouteList | PublicRouteOut | ProgressOut) -> Rendered:
    return Rendered.of(answer.model_dump_json().encode())


@router.post("/directory/routes/{route_id}/check-ins", response_model=ProgressOut, summary="Check in at a stop")
async def route_check_in(route_id: RouteId, body: RouteCheckInIn, request: Request, routes: PublicDep) -> ProgressOut:
    """联动打卡: at an activity stop the activity's check-in rules hold (and it counts there too)."""
    # UnknownStop: 422, NotListed: 404, Throttled: 429
    progress = await routes.check_in(route_id, body.stop, body.visitor, _client(request))
    return ProgressOut.of(progress)


def _answer(route: Route, status_code: int = 200) -> Response:
    body = RouteOut.of(route).model_dump(mode="json")
    return JSONResponse(body, status_code=status_code, headers={"ETag": f'"{route.version}"'})
