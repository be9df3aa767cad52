"""The organizer's dashboard: the unit's activities with status, review outcome, completeness and the
deadlines that still apply to each, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shared.runtime import Backbone
from shared.web.cursor import decode_cursor, encode_cursor

from ..adapters.activity_rows import activity_of
from ..adapters.organizer_queries import unit_activities
from ..adapters.units import unit_registered
from ..domain.activity import Activity
from ..domain.campaign import Campaign, china_day
from ..domain.info import WEIGHTS
from .campaigns import Campaigns

UNIT_NAMES_KEPT = 10_000


@dataclass(frozen=True)
class DashboardPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
    counts: dict[str, int]
    drafts: int
    campaigns: list[dict[str, Any]]


class Dashboard:
    """Read-only queries over registration's own tables for one unit."""

    def __init__(self, backbone: Backbone, campaigns: Campaigns) -> None:
        self._backbone = backbone
        self._campaigns = campaigns
        self._unit_names: dict[str, str] = {}

    async def unit(self, unit_id: str) -> dict[str, str | None]:
        """The unit's id and name as it signed up (its ``unit-registered`` event; a unit's name never
        changes, so it is kept), for the workbench's header. The name is None for an unknown unit."""
        name = self._unit_names.get(unit_id)
        if name is None:
            signed_up = await unit_registered(self._backbone, unit_id)
            if signed_up is not None:
                name = signed_up.name
                if len(self._unit_names) >= UNIT_NAMES_KEPT:
                    self._unit_names.clear()
                self._unit_names[unit_id] = name
        return {"id": unit_id, "name": name}

    async def page(
        self, unit_id: str, *, campaign_id: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> DashboardPage:
        after = None
        if cursor is not None:
            registered_at, activity_id = decode_cursor(cursor, 2)
            after = (datetime.fromisoformat(registered_at), activity_id)
        books = {campaign.id: campaign for campaign, _version in await self._campaigns.all()}
        found = await unit_activities(self._backbone, unit_id, campaign_id, after, limit)
        return _page(found.rows, limit, found.counts, found.drafts, books)


def _page(rows: Any, limit: int, counts: dict[str, int], draft_count: int, books: dict[str, Campaign]) -> DashboardPage:
    today = china_day(datetime.now(UTC))
    items = [_item(activity_of(row), books.get(row["campaign_id"]), today) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        registered_at = last["registered_at"]
        registered_at = registered_at if registered_at.tzinfo else registered_at.replace(tzinfo=UTC)
        next_cursor = encode_cursor([registered_at.isoformat(), last["activity_id"]])
    open_campaigns = [
        {"campaign_id": c.id, "title": c.title, "deadlines": _still(c.deadlines(), today)}
        for c in sorted(books.values(), key=lambda c: (-c.year, c.id))
        if _still(c.deadlines(), today) or c.registration.contains(today)
    ]
    return DashboardPage(items, next_cursor, counts, draft_count, open_campaigns)


def _still(deadlines: dict[str, date], today: date) -> dict[str, str]:
    return {name: day.isoformat() for name, day in deadlines.items() if day >= today}


def _item(activity: Activity, campaign: Campaign | None, today: date) -> dict[str, Any]:
    details, info = activity.details, activity.info
    deadlines: dict[str, str] = {}
    if campaign is not None and activity.status == "registered":
        pending = {"info_completion_deadline": campaign.info_completion_deadline} if activity.completeness < 1 else {}
        deadlines = _still({k: v for k, v in pending.items() if v is not None}, today)
    return {
        "id": activity.id,
        "version": activity.version,
        "name": details.name,
        "campaign_id": activity.campaign_id,
        "status": activity.status,
        "review_status": activity.review_status,
        "review_reason": activity.review_reason,
        "starts_at": details.starts_at,
        "ends_at": details.ends_at,
        "region_code": details.region_code,
        "completeness": activity.completeness,
        "missing_info": info.missing() if info else list(WEIGHTS),
        "deadlines": deadlines,
    }
