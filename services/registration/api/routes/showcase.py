"""``/api/v1/directory/activities/{id}/showcase``: the public page's 汇聚展示 and live stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from shared.events.payloads.activities import MediaReference
from shared.web import Problem
from shared.web.conditional import Rendered, conditional
from shared.web.dates import Zoned

from ...projections.showcase import read_showcase
from ..deps import RegistrationDep
from ..freshness import ACTIVITY

router = APIRouter(prefix="/directory", tags=["directory"])


class LiveStreamOut(BaseModel):
    url: str
    starts_at: Zoned
    ends_at: Zoned
    state: Literal["upcoming", "live", "ended"] = Field(description="直播预告 / 直播中 / 已结束, at the time of asking")


class ShowcaseOut(BaseModel):
    """What the activity's info completion and live stream add to its public page (empty before)."""

    activity_id: str
    completed: bool = Field(description="whether the organizer has completed the info")
    photos: list[MediaReference]
    videos: list[MediaReference]
    photo_urls: list[str]
    video_urls: list[str]
    news_urls: list[str]
    actual_participants: int | None
    summary: str | None
    live: LiveStreamOut | None


@router.get(
    "/activities/{activity_id}/showcase", response_model=ShowcaseOut, summary="A public activity's showcase (汇聚展示)"
)
async def read_activity_showcase(activity_id: str, request: Request, registration: RegistrationDep) -> Response:
    async def render() -> Rendered:
        return Rendered.of((await _showcase(registration, activity_id)).model_dump_json().encode())

    return conditional(request, await registration.directory.shared(("showcase", activity_id), render), ACTIVITY)


async def _showcase(registration: RegistrationDep, activity_id: str) -> ShowcaseOut:
    showcase = await read_showcase(registration.backbone.engine, activity_id)
    if showcase is None:
        raise Problem(404, "活动不存在或未公开 (not found)", f"No public activity {activity_id}")
    info = showcase.info or {}
    media = [MediaReference.model_validate(m) for m in info.get("media", [])]
    live = showcase.live
    return ShowcaseOut(
        activity_id=activity_id,
        completed=showcase.info is not None,
        photos=[m for m in media if m.kind == "photo"],
        videos=[m for m in media if m.kind == "video"],
        photo_urls=info.get("photo_urls", []),
        video_urls=info.get("video_urls", []),
        news_urls=info.get("news_urls", []),
        actual_participants=info.get("actual_participants"),
        summary=info.get("summary"),
        live=LiveStreamOut(
            url=live.url, starts_at=live.starts_at, ends_at=live.ends_at, state=live.state(datetime.now(UTC))
        )
        if live
        else None,
    )
