"""What an organizer registered and completed, as review's view keeps it for the reviewer to see.

The columns come from the general topic only (``activity-registered``, ``activity-updated``,
``info-completed``), so contacts are the masked values it carries; lists are stored as JSON text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.events.payloads.activities import ActivityRegistered, InfoCompleted

# registered (and changeable by activity-updated, named as there)
REGISTERED = (
    "description",
    "starts_at",
    "ends_at",
    "address",
    "online_url",
    "key_activity",
    "expected_participants",
    "target_groups",
    "co_organizers",
    "programme",
    "contact_name_masked",
    "contact_phone_masked",
)
COMPLETED = ("photo_urls", "video_urls", "news_urls", "actual_participants", "summary")
DETAIL_COLUMNS = REGISTERED + COMPLETED
LISTS = frozenset({"target_groups", "co_organizers", "photo_urls", "video_urls", "news_urls"})
MOMENTS = frozenset({"starts_at", "ends_at"})


def registered_details(payload: ActivityRegistered) -> dict[str, Any]:
    """The detail columns of a registration."""
    return {name: _column(name, getattr(payload, name)) for name in REGISTERED}


def changed_details(changes: dict[str, object]) -> dict[str, Any]:
    """The detail columns an ``activity-updated`` changes (times arrive as ISO text)."""
    return {name: _column(name, value) for name, value in changes.items() if name in REGISTERED}


def completed_details(payload: InfoCompleted) -> dict[str, Any]:
    """The detail columns of an info completion (a later completion replaces the earlier one); photos
    and videos uploaded to the platform join the linked ones, by the URL the one origin serves them at."""
    given = {name: getattr(payload, name) for name in COMPLETED}
    given["photo_urls"] = [*payload.photo_urls, *(m.url for m in payload.media if m.kind == "photo")]
    given["video_urls"] = [*payload.video_urls, *(m.url for m in payload.media if m.kind == "video")]
    return {name: _column(name, value) for name, value in given.items()}


def details_of(row: dict[str, Any]) -> dict[str, Any]:
    """The details of a view row as a reader wants them: lists as lists, times in UTC."""
    out: dict[str, Any] = {}
    for name in DETAIL_COLUMNS:
        value = row.get(name)
        if name in LISTS:
            value = json.loads(value) if value else []
        elif name in MOMENTS and isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # SQLite hands back naive datetimes; all stored here are UTC
        out[name] = value
    out["key_activity"] = bool(out["key_activity"])
    return out


def _column(name: str, value: object) -> Any:
    if name in LISTS:
        return json.dumps(list(value or []), ensure_ascii=False)  # type: ignore[call-overload]
    if name in MOMENTS and value is not None:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        return moment.astimezone(UTC)
    return value
