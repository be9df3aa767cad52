"""Recommendations to and from their ``recommendations`` rows (form and history as JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ..domain.recommendations import Recommendation, Step


def recommendation_of(row: Mapping[str, Any]) -> Recommendation:
    return Recommendation(
        id=row["recommendation_id"],
        campaign_id=row["campaign"],
        kind=row["kind"],
        subject_id=row["subject_id"],
        region_code=row["region_code"],
        fields=tuple(json.loads(row["fields"])),
        origin=row["origin"],
        level=row["level"],
        status=row["status"],
        version=row["version"],
        commended=bool(row["commended"]),
        history=tuple(
            Step(s["action"], s["level"], s["body"], s.get("text"), date.fromisoformat(s["on"]))
            for s in json.loads(row["history"])
        ),
    )


def state_columns(rec: Recommendation, now: datetime) -> dict[str, Any]:
    """The columns a command changes."""
    return {
        "level": rec.level,
        "status": rec.status,
        "commended": rec.commended,
        "version": rec.version,
        "history": json.dumps(
            [
                {"action": s.action, "level": s.level, "body": s.body, "text": s.text, "on": s.on.isoformat()}
                for s in rec.history
            ],
            ensure_ascii=False,
        ),
        "updated_at": now,
    }


def new_row(
    rec: Recommendation, subject_name: str, unit_name: str, form: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The whole row of a new recommendation."""
    return {
        "recommendation_id": rec.id,
        "campaign": rec.campaign_id,
        "kind": rec.kind,
        "subject_id": rec.subject_id,
        "subject_name": subject_name,
        "unit_name": unit_name,
        "region_code": rec.region_code,
        "fields": json.dumps(list(rec.fields), ensure_ascii=False),
        "origin": rec.origin,
        "form": json.dumps(dict(form), ensure_ascii=False),
        "created_at": now,
        **state_columns(rec, now),
    }
