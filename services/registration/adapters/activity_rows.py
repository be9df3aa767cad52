"""Activities and drafts as rows of registration's own tables (details kept as JSON, contacts in clear)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter

from ..domain.activity import Activity, ActivityDetails
from ..domain.info import InfoCompletion

DETAILS = TypeAdapter(ActivityDetails)
INFO = TypeAdapter(InfoCompletion)


def activity_row(activity: Activity, now: datetime) -> dict[str, Any]:
    """The ``activities`` row of an activity's current state (without ``registered_at``)."""
    details = activity.details
    return {
        "activity_id": activity.id,
        "unit_id": activity.unit_id,
        "campaign_id": activity.campaign_id,
        "status": activity.status,
        "version": activity.version,
        "name": details.name,
        "region_code": details.region_code,
        # SQLite keeps no offset: every timestamp column holds UTC
        "starts_at": details.starts_at.astimezone(UTC),
        "ends_at": details.ends_at.astimezone(UTC),
        "completeness": activity.completeness,
        "review_status": activity.review_status,
        "review_reason": activity.review_reason,
        "data": DETAILS.dump_json(details).decode(),
        "info": INFO.dump_json(activity.info).decode() if activity.info else None,
        "updated_at": now,
    }


def activity_of(row: Mapping[str, Any]) -> Activity:
    return Activity(
        id=row["activity_id"],
        unit_id=row["unit_id"],
        campaign_id=row["campaign_id"],
        status=row["status"],
        version=row["version"],
        details=DETAILS.validate_json(row["data"]),
        info=INFO.validate_json(row["info"]) if row["info"] else None,
        review_status=row["review_status"],
        review_reason=row["review_reason"],
    )
