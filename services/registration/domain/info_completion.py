"""The decision to complete an activity's information (信息完善): when it may be done, and what it records."""

from __future__ import annotations

from datetime import datetime

from shared.events.payloads.activities import InfoCompleted

from .activity import Activity
from .campaign import Campaign
from .errors import RuleBroken
from .info import WEIGHTS, InfoCompletion


def complete_info(activity: Activity, info: InfoCompletion, campaign: Campaign, now: datetime) -> InfoCompleted:
    """Record the activity's information: only once it has started, and not after the campaign's deadline."""
    if activity.status == "withdrawn":
        raise RuleBroken("status", "活动已撤回 (the activity is withdrawn)")
    if now < activity.details.starts_at:
        raise RuleBroken(
            "starts_at",
            f"活动尚未开始，开始后再完善信息 (info is completed after the activity starts at "
            f"{activity.details.starts_at.isoformat()})",
        )
    campaign.require_info_completion_open(now)
    if not info.media and all(not getattr(info, part) and getattr(info, part) != 0 for part in WEIGHTS):
        raise RuleBroken("info", "请至少填写一项信息 (fill in at least one of: photos, videos, news, turnout, summary)")
    return InfoCompleted(
        activity_id=activity.id,
        photo_urls=list(info.photo_urls),
        video_urls=list(info.video_urls),
        news_urls=list(info.news_urls),
        actual_participants=info.actual_participants,
        summary=info.summary,
        completeness=info.completeness(),
        media=[item.reference() for item in info.media],
    )
