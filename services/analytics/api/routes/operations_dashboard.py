"""``/api/v1/stats/dashboard``: the dashboard's snapshot, as JSON and as a stream of server-sent events.

Both are operations data (the consumer groups' lag, errors and dead letters are in the snapshot), so
both need a reviewer's or an admin's token, checked before anything else; a campaign analytics does
not know is 404 (and never cached); a stream takes a slot (:mod:`...operations_dashboard.limits`) before it starts, and its
token is checked again while it is open (:mod:`...operations_dashboard.term`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from shared.web.auth import BearerDep, refusal

from ...domain.errors import UnknownCampaign
from ...operations_dashboard.models import Snapshot
from ...operations_dashboard.term import StreamTerm
from ...settings import AnalyticsSettings
from ..access import STAFF, StaffDep, access_of
from ..deps import AnalyticsDep

router = APIRouter(prefix="/stats/dashboard", tags=["dashboard"])

Campaign = Annotated[str | None, Query(max_length=64, description="a campaign id; none: all campaigns")]


def _settings(analytics: AnalyticsDep) -> AnalyticsSettings:
    settings = analytics.backbone.settings
    return settings if isinstance(settings, AnalyticsSettings) else AnalyticsSettings()


async def known_campaign(_staff: StaffDep, analytics: AnalyticsDep, campaign: Campaign = None) -> str | None:
    """The campaign asked for, once the caller is known to be staff; 404 for one analytics does not know."""
    if campaign is not None and not (await access_of(analytics, campaign)).known:
        raise UnknownCampaign(
            f"Analytics knows no campaign {campaign!r} (none was configured on the campaigns stream)",
        )
    return campaign


KnownCampaign = Annotated[str | None, Depends(known_campaign)]


@router.get("", response_model=Snapshot, summary="The dashboard's snapshot (reviewer or admin)")
async def get_dashboard(analytics: AnalyticsDep, campaign: KnownCampaign) -> Snapshot:
    return await analytics.dashboard.snapshot(campaign)


@router.get(
    "/stream",
    summary="The dashboard's snapshot as server-sent events: at once, then whenever it changes (reviewer or admin)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_dashboard(
    request: Request,
    campaign: KnownCampaign,
    analytics: AnalyticsDep,
    credentials: BearerDep,
) -> StreamingResponse:
    """429 when the client's address holds its share of streams, 503 when all are taken. Once open, the
    token is verified again every ``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS`` and the stream ends when it
    is refused, or after ``KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS`` in any case."""
    token = credentials.credentials if credentials is not None else ""  # StaffDep has refused a call without one
    settings = _settings(analytics)

    async def check() -> str | None:
        return await refusal(request, token, STAFF)

    term = StreamTerm(
        check, recheck_s=settings.token_revocation_refresh_seconds, lifetime_s=settings.dashboard_stream_max_seconds
    )
    slot = analytics.slots.take(request.client.host if request.client else "unknown")
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    # The stream gives its slot back when it ends; the background task when a response never began.
    return StreamingResponse(
        analytics.dashboard.stream(campaign, slot.release, term),
        media_type="text/event-stream",
        headers=headers,
        background=BackgroundTask(slot.release),
    )
