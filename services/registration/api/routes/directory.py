"""``/api/v1/directory``: the public activity directory, check-ins and feedback (no sign-in).

``GET /directory/activities`` searches public activities: ``q`` (Chinese or latin text, all terms
must match), filters, ``near=<lat>,<lon>`` with ``radius_km`` (at most 200) or ``preset=30min``
(the 30-minute science service circle, 15 km; the default when ``near`` comes alone), and a
``cursor`` from the previous page. Results are ordered by start time (by distance with ``near``).

``GET /directory/regions?parent=<code>`` lists the divisions directly under ``parent`` (the provinces
without it), for the site's province → city → county picker of the ``region`` filter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from shared.regions import PackagedRegions
from shared.web import Problem
from shared.web.conditional import Rendered, conditional
from shared.web.cursor import decode_cursor, encode_cursor
from shared.web.dates import Day, moment_of
from shared.web.idempotency import Idempotent

from ...directory.criteria import ByDistance, ByStart, Criteria, Format, Page, When, days_of
from ...directory.geo import MAX_RADIUS_KM, PRESETS_KM, Circle
from ...directory.participation import NotListed
from ...directory.search import query_terms
from ...domain.campaign import china_day
from ..deps import RegistrationDep
from ..directory_schemas import Accepted, DirectoryActivityOut, DirectoryPage, FeedbackIn, RegionList
from ..freshness import ACTIVITY, REGIONS, SEARCH

router = APIRouter(prefix="/directory", tags=["public directory"])

ActivityId = Annotated[str, Path(max_length=64)]
Name = Annotated[str | None, Query(max_length=64)]
_regions = PackagedRegions()  # the packaged GB/T 2260 data set, read once on first use


@router.get("/activities", response_model=DirectoryPage, summary="Search public activities")
async def search_activities(
    request: Request,
    registration: RegistrationDep,
    q: Annotated[str | None, Query(max_length=100, description="搜索: name, organizer, address, description")] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{2}(\d{2}(\d{2})?)?$", description="GB/T 2260 prefix")] = None,
    campaign: Name = None,
    category: Name = None,
    programme: Annotated[
        str | None, Query(max_length=64, description="品牌活动 (flagship programme), one a campaign lists")
    ] = None,
    theme: Name = None,
    target_group: Name = None,
    format: Annotated[Format | None, Query(description="offline and online include activities held both ways")] = None,
    date_from: Annotated[Day | None, Query(description="overlapping from this China calendar day")] = None,
    date_to: Annotated[Day | None, Query(description="overlapping until this China calendar day")] = None,
    on: Annotated[
        Day | None, Query(description="held on this China calendar day (instead of date_from/date_to)")
    ] = None,
    when: Annotated[
        When | None, Query(description="today, or this weekend (Saturday and Sunday), in China; instead of dates")
    ] = None,
    key_activity: bool | None = None,
    near: Annotated[str | None, Query(pattern=r"^\s*-?\d{1,3}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?\s*$")] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_KM)] = None,
    preset: Annotated[Literal["30min"] | None, Query(description="30min: the 30-minute circle, 15 km")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    if date_from and date_to and date_to < date_from:
        raise _invalid("date_to", "date_to 不能早于 date_from (date_to is before date_from)")
    date_from, date_to = _days(date_from, date_to, on, when)
    terms = query_terms(q) if q else ()
    if q and not terms:
        raise _invalid("q", "搜索词没有可检索的文字 (the query has no letters, digits or Chinese characters)")
    circle = _circle(near, radius_km, preset)
    if programme is not None and programme not in await registration.campaigns.programmes():
        raise _invalid("programme", f"没有名为“{programme}”的品牌活动 (no campaign lists this programme)")
    criteria = Criteria(
        terms=terms,
        region=region,
        campaign_id=campaign,
        category=category,
        programme=programme,
        theme=theme,
        target_group=target_group,
        format=format,
        date_from=date_from,
        date_to=date_to,
        key_activity=key_activity,
        near=circle,
        limit=limit,
        after=_position(cursor, near=circle is not None) if cursor else None,
    )

    async def render() -> Rendered:
        page = await registration.directory.queries.search(criteria)
        items = [DirectoryActivityOut.answer(f) for f in page.items]
        return Rendered.json({"items": items, "next_cursor": _cursor(page)})

    return conditional(request, await registration.directory.shared(criteria, render), SEARCH)


@router.get("/regions", response_model=RegionList, summary="List divisions under a region")
async def list_regions(
    request: Request,
    parent: Annotated[
        str | None, Query(pattern=r"^\d{2}(\d{2})?$", description="a province or city code; none: the provinces")
    ] = None,
) -> Response:
    if parent is not None and not _regions.exists(parent):
        raise Problem(404, "没有这个行政区划 (no such region)", f"No region {parent}")
    items = [{"code": code, "name": name} for code, name in _regions.children(parent or "")]
    return conditional(request, Rendered.json({"items": items}), REGIONS)


@router.get("/activities/{activity_id}", response_model=DirectoryActivityOut, summary="Read a public activity")
async def get_activity(activity_id: ActivityId, request: Request, registration: RegistrationDep) -> Response:
    async def render() -> Rendered:
        found = await registration.directory.queries.get(activity_id)
        if found is None:
            raise NotListed(activity_id)
        return Rendered.json(DirectoryActivityOut.answer(found))

    return conditional(request, await registration.directory.shared(("activity", activity_id), render), ACTIVITY)


@router.post(
    "/activities/{activity_id}/check-ins",
    status_code=202,
    response_model=Accepted,
    summary="Check in (打卡)",
    dependencies=[Idempotent],
)
async def check_in(activity_id: ActivityId, request: Request, registration: RegistrationDep) -> JSONResponse:
    participation = registration.directory.participation
    event_id = await participation.check_in(activity_id, _client(request))  # Throttled: 429, NotListed: 404
    return JSONResponse({"event_id": event_id}, status_code=202)


@router.post(
    "/activities/{activity_id}/feedback",
    status_code=202,
    response_model=Accepted,
    summary="Rate an activity",
    dependencies=[Idempotent],
)
async def give_feedback(
    activity_id: ActivityId, body: FeedbackIn, request: Request, registration: RegistrationDep
) -> JSONResponse:
    participation = registration.directory.participation
    event_id = await participation.give_feedback(activity_id, _client(request), body.rating, body.comment)
    return JSONResponse({"event_id": event_id}, status_code=202)


def _client(request: Request) -> str:
    # The server sets the peer from X-Forwarded-For only for trusted proxies (uvicorn's
    # forwarded_allow_ips), so this is the client's address behind a configured proxy.
    return request.client.host if request.client else "unknown"


def _circle(near: str | None, radius_km: float | None, preset: str | None) -> Circle | None:
    if near is None:
        if radius_km is not None or preset is not None:
            raise _invalid("near", "radius_km 和 preset 需要 near (give near=<lat>,<lon> with them)")
        return None
    if radius_km is not None and preset is not None:
        raise _invalid("preset", "radius_km 与 preset 只能给一个 (give radius_km or preset, not both)")
    latitude, longitude = (float(part) for part in near.split(","))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _invalid("near", "near 应为 <纬度>,<经度> (near is <latitude>,<longitude> in degrees)")
    return Circle(latitude, longitude, radius_km if radius_km is not None else PRESETS_KM[preset or "30min"])


def _position(cursor: str, *, near: bool) -> ByStart | ByDistance:
    kind, key, activity_id = decode_cursor(cursor, 3)
    if near and kind == "d" and isinstance(key, int | float) and isinstance(activity_id, str):
        return ByDistance(float(key), activity_id)
    if not near and kind == "s" and (starts_at := moment_of(key)) is not None and isinstance(activity_id, str):
        return ByStart(starts_at, activity_id)
    raise _invalid("cursor", "分页游标与本次查询不符 (the cursor is not one of this listing; start again without it)")


def _cursor(page: Page) -> str | None:
    after = page.after
    if isinstance(after, ByStart):
        return encode_cursor(["s", after.starts_at.isoformat(), after.activity_id])
    if isinstance(after, ByDistance):
        return encode_cursor(["d", after.chord_squared, after.activity_id])
    return None


def _days(
    date_from: date | None, date_to: date | None, on: date | None, when: When | None
) -> tuple[date | None, date | None]:
    """The date range of a search: the dates given, or the day ``on``, or the days ``when`` names
    (China's today, not the server's); only one of the three ways at a time."""
    if on is not None and when is not None:
        raise _invalid("when", "on 与 when 只能选一个 (give on or when, not both)")
    if on is None and when is None:
        return date_from, date_to
    field = "on" if on is not None else "when"
    if date_from is not None or date_to is not None:
        raise _invalid(field, f"{field} 不能与 date_from/date_to 同时使用 (give {field} or a date range, not both)")
    if on is not None:
        return on, on
    assert when is not None
    return days_of(when, china_day(datetime.now(UTC)))


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, "查询参数无效 (invalid query)", message, errors=[{"field": field, "message": message}])
