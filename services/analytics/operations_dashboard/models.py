"""The dashboard's snapshot as the JSON endpoint and the event stream send it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.web.dates import Zoned


class Counters(BaseModel):
    activities: int = Field(description="registered activities, not withdrawn")
    info_completed: int = Field(description="of those, with their information completed afterwards")
    completion_rate: float = Field(description="info_completed / activities (0 when there are none)")
    science_workers: int
    checkins: int
    feedback: int
    average_rating: float | None = Field(description="rating sum / feedback; null without feedback")
    notifications_sent: int
    notifications_failed: int


class MinuteCount(BaseModel):
    minute: str = Field(description="YYYY-MM-DDTHH:MM, China time")
    registrations: int


class ProvinceCount(BaseModel):
    code: str = Field(description="GB/T 2260 province code, e.g. 61")
    name: str = Field(description="its full name, e.g. 陕西省 (the map's region names)")
    activities: int


class CategoryCount(BaseModel):
    category: str
    activities: int


class GroupHealth(BaseModel):
    group: str = Field(description="consumer group")
    lag: float = Field(description="records not yet read, over its partitions")
    errors: float = Field(description="transient errors retried since the process started")
    dead_letters: float = Field(description="events sent to the dead-letter topic since the process started")


class Source(BaseModel):
    source: str = Field(description="'analytics' (this process) or a peer's /metrics URL")
    status: str = Field(description="'ok' or 'unreachable'")
    error: str | None = None


class Operations(BaseModel):
    groups: list[GroupHealth] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class Snapshot(BaseModel):
    campaign: str | None = Field(description="the campaign counted; null: all campaigns")
    counters: Counters
    recommendations: dict[str, int] = Field(description="activities whose highest level is county … national")
    registrations_per_minute: list[MinuteCount] = Field(description="the last 60 minutes that have registrations")
    provinces: list[ProvinceCount]
    top_provinces: list[ProvinceCount]
    top_categories: list[CategoryCount]
    operations: Operations = Field(default_factory=Operations)
    generated_at: Zoned | None = None

    def figures(self) -> dict[str, object]:
        """What a change of is worth an event: everything but the time it was taken."""
        return self.model_dump(mode="json", exclude={"generated_at"})
