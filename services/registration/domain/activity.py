"""The activity aggregate: its state as rebuilt from its events, and the decisions about it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from shared.events.payloads.activities import ActivityFormat, ActivityRegistered, ActivityWithdrawn
from shared.events.payloads.base import EventPayload

from .rules import Regions, RuleBroken, require_region


@dataclass(frozen=True)
class RegisterActivity:
    """Command: an organizer registers an activity."""

    name: str
    organizer_name: str
    region_code: str
    starts_at: datetime
    ends_at: datetime
    format: ActivityFormat = "offline"
    campaign_id: str | None = None


@dataclass(frozen=True)
class Activity:
    """An activity as its events describe it."""

    id: str
    version: int
    status: str
    name: str
    organizer_name: str
    region_code: str
    starts_at: datetime
    ends_at: datetime
    format: ActivityFormat
    campaign_id: str | None

    @classmethod
    def replay(cls, activity_id: str, events: list[EventPayload]) -> Activity | None:
        """Fold an activity's events, oldest first, into its state (None if it has none)."""
        state: Activity | None = None
        for version, event in enumerate(events, start=1):
            if isinstance(event, ActivityRegistered):
                state = cls(
                    activity_id,
                    version,
                    "registered",
                    event.name,
                    event.organizer_name,
                    event.region_code,
                    event.starts_at,
                    event.ends_at,
                    event.format,
                    event.campaign_id,
                )
            elif state is not None:
                status = "withdrawn" if isinstance(event, ActivityWithdrawn) else state.status
                state = replace(state, version=version, status=status)
        return state


@dataclass(frozen=True)
class WithdrawActivity:
    """Command: the organizer withdraws an activity that has not been held yet."""

    activity_id: str
    expected_version: int
    reason: str | None = None


def withdraw(activity: Activity, command: WithdrawActivity, now: datetime) -> ActivityWithdrawn:
    """Decide a withdrawal: only a registered activity that has not started may be withdrawn."""
    if activity.status == "withdrawn":
        raise RuleBroken("status", "活动已撤回 (the activity is already withdrawn)")
    if activity.starts_at <= now:
        raise RuleBroken("starts_at", "活动已开始，不能撤回 (an activity that has started cannot be withdrawn)")
    return ActivityWithdrawn(activity_id=activity.id, reason=command.reason)


def register(activity_id: str, command: RegisterActivity, regions: Regions) -> ActivityRegistered:
    """Decide the registration of a new activity."""
    require_region(regions, command.region_code)
    if command.ends_at <= command.starts_at:
        raise RuleBroken("ends_at", "活动结束时间必须晚于开始时间 (the end must be after the start)")
    return ActivityRegistered(
        activity_id=activity_id,
        campaign_id=command.campaign_id,
        name=command.name,
        organizer_name=command.organizer_name,
        region_code=command.region_code,
        starts_at=command.starts_at,
        ends_at=command.ends_at,
        format=command.format,
    )
