"""The counts indicator scores sum that an activity's events give (``co_organizer_count``,
``news_link_count``): kept as numbers so that SQL sums them per unit and per region."""

from __future__ import annotations

import json
from collections.abc import Mapping

from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured

COUNT_COLUMNS = ("co_organizer_count", "news_link_count")


def registered_counts(payload: ActivityRegistered) -> dict[str, int]:
    return {"co_organizer_count": len(payload.co_organizers), "news_link_count": 0}


def completed_counts(payload: InfoCompleted) -> dict[str, int]:
    return {"news_link_count": len(payload.news_urls)}


def changed_counts(changes: Mapping[str, object]) -> dict[str, int]:
    named = changes.get("co_organizers")
    return {"co_organizer_count": len(named)} if isinstance(named, list) else {}


def weights_json(payload: CampaignConfigured) -> str | None:
    """The campaign's indicator weights as JSON (None: the campaign sets none)."""
    if payload.indicator_weights is None:
        return None
    return json.dumps([w.model_dump(mode="json") for w in payload.indicator_weights], ensure_ascii=False)
