"""``/api/v1/stats/dashboard``: the dashboard's snapshot, as JSON and as a stream of server-sent events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from ..api.deps import AnalyticsDep
from .hub import DashboardHub
from .models import Snapshot
from .operations import OperationsReader

router = APIRouter(prefix="/stats/dashboard", tags=["dashboard"])

Campaign = Annotated[str | None, Query(max_length=64, description="a campaign id; none: all campaigns")]


def hub_of(request: Request, analytics: AnalyticsDep) -> DashboardHub:
    """The app's one hub (made on first use, from the analytics container and settings)."""
    hub: DashboardHub | None = getattr(request.app.state, "dashboard_hub", None)
    if hub is None:
        peers: list[str] = list(getattr(analytics.backbone.settings, "peers_metrics", []))
        hub = DashboardHub(analytics.backbone.engine, OperationsReader(peers))
        request.app.state.dashboard_hub = hub
    return hub


HubDep = Annotated[DashboardHub, Depends(hub_of)]


@router.get("", response_model=Snapshot, summary="The dashboard's snapshot")
async def get_dashboard(hub: HubDep, campaign: Campaign = None) -> Snapshot:
    return await hub.snapshot(campaign)


@router.get(
    "/stream",
    summary="The dashboard's snapshot as server-sent events: at once, then whenever it changes",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_dashboard(hub: HubDep, campaign: Campaign = None) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(hub.stream(campaign), media_type="text/event-stream", headers=headers)
