"""Info completion (信息完善): after an activity is held, its photos, videos, reports, turnout and summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.events.payloads.activities import MediaReference

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
