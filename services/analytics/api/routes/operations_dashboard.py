"""``/api/v1/stats/dashboard``: the dashboard's snapshot, as JSON and as a stream of server-sent events.

Both are operations data (the consumer groups' lag, errors and dead letters are in the snapshot), so
both need a reviewer's or an admin's token, checked before anything else; a campaign analytics does
not know is 404 (and never cached); a stream takes a slot (:mod:`.limits`) before it starts, and its
token is checked again while it is open (:mod:`.term`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from shared.web.auth import BearerDep, refusal

from ...domain.errors import UnknownCampaign
from ...operations_dashboard.hub import DashboardHub
from ...operations_dashboard.limits import StreamSlots
from ...operations_dashboard.models import Snapshot
from ...operations_dashboard.operations import OperationsReader
from ...operations_dashboard.term import StreamTerm
from ...settings import AnalyticsSettings
from ..access import STAFF, StaffDep, access_of
from ..deps import AnalyticsDep

router = APIRouter(prefix="/stats/dashboard", tags=["dashboard"])

Campaign = Annotated[str | None, Query(max_length=64, description="a campaign id; none: all campaigns")]


def _settings(analytics: AnalyticsDep) -> AnalyticsSettings:
    settings = analytics.backbone.settings
    return settings if isinstance(settings, AnalyticsSettings) else AnalyticsSettings()


def hub_of(request: Request, analytics: AnalyticsDep) -> DashboardHub:
    """The app's one hub (made on first use, from the analytics container and settings)."""
    hub: DashboardHub | None = getattr(request.app.state, "dashboard_hub", None)
    if hub is None:
        settings = _settings(analytics)
        reader = OperationsReader(settings.peers_metrics)
        hub = DashboardHub(analytics.backbone.engine, reader, campaigns=settings.dashboard_campaigns)
        request.app.state.dashboard_hub = hub
    return hub


def slots_of(request: Request, analytics: AnalyticsDep) -> StreamSlots:
    """The app's count of open streams (made on first use, with the limits of its settings)."""
    slots: StreamSlots | None = getattr(request.app.state, "dashboard_slots", None)
    if slots is None:
        settings = _settings(analytics)
        slots = StreamSlots(settings.dashboard_streams, settings.dashboard_streams_per_client)
        request.app.state.dashboard_slots = slots
    return slots


async def known_campaign(_staff: StaffDep, analytics: AnalyticsDep, campaign: Campaign = None) -> str | None:
    """The campaign asked for, once the caller is known to be staff; 404 for one analytics does not know."""
    if campaign is not None and not (await access_of(analytics, campaign)).known:
        raise UnknownCampaign(
            f"Analytics knows no campaign {campaign!r} (none was configured on the campaigns stream)",
        )
    return campaign


HubDep = Annotated[DashboardHub, Depends(hub_of)]
KnownCampaign = Annotated[str | None, Depends(known_campaign)]


@router.get("", response_model=Snapshot, summary="The dashboard's snapshot (reviewer or admin)")
async def get_dashboard(hub: HubDep, campaign: KnownCampaign) -> Snapshot:
    return await hub.snapshot(campaign)


@router.get(
    "/stream",
    summary="The dashboard's snapshot as server-sent events: at once, then whenever it changes (reviewer or admin)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_dashboard(
    request: Request,
    hub: HubDep,
    slots: Annotated[StreamSlots, Depends(slots_of)],
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
    slot = slots.take(request.client.host if request.client else "unknown")
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    # The stream gives its slot back when it ends; the background task when a response never began.
    return StreamingResponse(
        hub.stream(campaign, slot.release, term),
        media_type="text/event-stream",
        headers=headers,
        background=BackgroundTask(slot.release),
    )
