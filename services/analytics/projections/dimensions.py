"""An activity's dimensions as the facts table keeps them, from its registration and its changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from shared.events.payloads.activities import ActivityRegistered

CHINA = ZoneInfo("Asia/Shanghai")
# fields of activity-updated's ``changes`` copied as they are
PLAIN = {
    "name": "name",
    "category": "category",
    "joint_action": "joint_action",
    "programme": "programme",
    "format": "format",
    "key_activity": "key_activity",
    "address": "address",
    "online_url": "online_url",
    "expected_participants": "expected_participants",
    "science_worker_count": "science_workers",
    "contact_name_masked": "contact_name",
    "contact_phone_masked": "contact_phone",
    "organizer_name": "organizer_name",
}


# China has kept UTC+8 without daylight saving since 1992: a fixed offset is the same and several
# times cheaper than the zone's rules (the replay converts every registration's times).
SINCE_1992 = datetime(1992, 1, 1, tzinfo=UTC)
UTC_8 = timezone(timedelta(hours=8))


def _in_china(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.astimezone(CHINA)
    return moment.astimezone(UTC_8 if moment >= SINCE_1992 else CHINA)


@lru_cache(maxsize=4096)
def china_day(moment: datetime) -> str:
    return _in_china(moment).date().isoformat()


def china_minute(moment: datetime) -> str:
    local = _in_china(moment)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}"


def regions(code: str) -> dict[str, str]:
    return {"region_code": code, "province": code[:2], "city": code[:4], "county": code[:6]}


def placeholder(activity_id: str) -> dict[str, Any]:
    """A row for an activity known so far only from another stream (version 0: counted nowhere)."""
    return {
        "activity_id": activity_id,
        "campaign": "",
        **regions(""),
        "organizer_id": None,
        "organizer_name": "",
        "name": "",
        "category": None,
        "joint_action": None,
        "programme": None,
        "format": "",
        "key_activity": False,
        "starts_at": None,
        "ends_at": None,
        "day": None,
        "address": None,
        "online_url": None,
        "contact_name": None,
        "contact_phone": None,
        "expected_participants": None,
        "actual_participants": None,
        "science_workers": 0,
        "online_works": 0,
        "info_completed": False,
        "withdrawn": False,
        "review": "pending",
        "level": None,
        "commended": False,
        "checkins": 0,
        "feedback": 0,
        "rating_sum": 0,
        "registered_at": None,
        "version": 0,
    }


def registered_row(p: ActivityRegistered) -> dict[str, Any]:
    """The dimensions an activity-registered event gives (tallies and states are left as they are)."""
    return {
        "campaign": p.campaign_id or "",
        **regions(p.region_code),
        "organizer_id": p.organizer_id,
        "organizer_name": p.organizer_name,
        "name": p.name,
        "category": p.category,
        "joint_action": p.joint_action,
        "programme": p.programme,
        "format": p.format,
        "key_activity": p.key_activity,
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
        "day": china_day(p.starts_at),
        "address": p.address,
        "online_url": p.online_url,
        "contact_name": p.contact_name_masked,
        "contact_phone": p.contact_phone_masked,
        "expected_participants": p.expected_participants,
        "science_workers": p.science_worker_count,
        "online_works": len(p.online_works),
    }


def updated_values(changes: Mapping[str, object]) -> tuple[dict[str, Any], list[str] | None, list[str] | None]:
    """The facts columns an activity-updated event changes, and its new themes and target groups."""
    values: dict[str, Any] = {PLAIN[k]: v for k, v in changes.items() if k in PLAIN}
    if isinstance(changes.get("region_code"), str):
        values.update(regions(str(changes["region_code"])))
    for name in ("starts_at", "ends_at"):
        if isinstance(changes.get(name), str):
            values[name] = datetime.fromisoformat(str(changes[name]))
    if "starts_at" in values:
        values["day"] = china_day(values["starts_at"])
    if isinstance(changes.get("online_works"), list):
        values["online_works"] = len(changes["online_works"])  # type: ignore[arg-type]
    themes, targets = changes.get("themes"), changes.get("target_groups")
    return (
        values,
        sorted({str(t) for t in themes}) if isinstance(themes, list) else None,
        sorted({str(t) for t in targets}) if isinstance(targets, list) else None,
    )
