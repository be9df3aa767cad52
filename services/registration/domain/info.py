"""Info completion (信息完善): after an activity is held, its photos, videos, reports, turnout and summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from shared.events.payloads.activities import InfoCompleted, MediaReference

from .rules import RuleBroken

if TYPE_CHECKING:
    from .activity import Activity
    from .campaign import Campaign

# What a complete record holds, and how much each part counts towards the completeness score.
WEIGHTS = {"photo_urls": 0.25, "video_urls": 0.1, "news_urls": 0.2, "actual_participants": 0.2, "summary": 0.25}


MEDIA_PATH = "/api/v1/media/"  # served by registration through the one origin


@dataclass(frozen=True)
class MediaItem:
    """A photo or video the organizer uploaded (content-addressed ``key``; a photo has a thumbnail)."""

    key: str
    kind: Literal["photo", "video"]
    thumbnail_key: str | None = None

    def reference(self) -> MediaReference:
        thumbnail = MEDIA_PATH + self.thumbnail_key if self.thumbnail_key else None
        return MediaReference(key=self.key, kind=self.kind, url=MEDIA_PATH + self.key, thumbnail_url=thumbnail)


@dataclass(frozen=True)
class InfoCompletion:
    """The information an organizer completes after the activity."""

    photo_urls: tuple[str, ...] = ()
    video_urls: tuple[str, ...] = ()
    news_urls: tuple[str, ...] = ()
    actual_participants: int | None = None
    summary: str | None = None
    media: tuple[MediaItem, ...] = ()

    def completeness(self) -> float:
        """The share (0–1) of the record that is filled in, weighted by :data:`WEIGHTS`."""
        present = {
            "photo_urls": bool(self.photo_urls) or any(m.kind == "photo" for m in self.media),
            "video_urls": bool(self.video_urls) or any(m.kind == "video" for m in self.media),
            "news_urls": bool(self.news_urls),
            "actual_participants": self.actual_participants is not None,
            "summary": bool(self.summary),
        }
        return round(sum(weight for part, weight in WEIGHTS.items() if present[part]), 4)

    def missing(self) -> list[str]:
        """The parts not yet filled in."""
        kinds = {f"{m.kind}_urls" for m in self.media}
        return [part for part in WEIGHTS if not getattr(self, part) and getattr(self, part) != 0 and part not in kinds]


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
