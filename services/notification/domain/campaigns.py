"""What notification keeps of a campaign (``campaign-configured``): its title, the deadlines it reminds
of and the reminder days, and whether its thank-yous are sent."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import ValidationError

from shared.events.payloads.campaigns import CampaignConfigured, RecommendationChain

DEFAULT_REMINDER_DAYS = [7, 3, 1]


def campaign_row(payload: CampaignConfigured, sequence: int) -> dict[str, Any]:
    """What reminders need of a campaign: its title, deadlines and reminder days (default 7, 3 and 1)."""
    days = payload.settings.get("reminder_days", DEFAULT_REMINDER_DAYS)
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 60 for d in days):
        days = DEFAULT_REMINDER_DAYS
    return {
        "campaign_id": payload.campaign_id,
        "title": payload.title,
        "version": sequence,
        "registration_closes_on": _day(payload.registration_closes_on),
        "info_completion_deadline": _day(payload.info_completion_deadline),
        "reminder_days": json.dumps(sorted(set(days), reverse=True)),
        "recommendation_deadlines": json.dumps(recommendation_deadlines(payload)),
        "thank_you_sms": sent if isinstance(sent := payload.settings.get("thank_you_sms"), bool) else None,
        "key_activity_plan_deadline": plan
        if isinstance(plan := payload.settings.get("key_activity_plan_deadline"), str)
        else None,
        **summary_step(payload),
    }


def summary_step(payload: CampaignConfigured) -> dict[str, Any]:
    """The campaign's summary deadline and its kinds of reporter (工作总结), for the reminders."""
    summary = payload.settings.get("summary")
    reporters = summary.get("reporters") if isinstance(summary, dict) else None
    return {
        "summary_deadline": _day(payload.summary_deadline),
        "summary_reporters": json.dumps(reporters) if isinstance(reporters, list) and reporters else None,
    }


def recommendation_deadlines(payload: CampaignConfigured) -> dict[str, str]:
    """The last day each recommending level of the campaign's chain may act: its window's close, else
    the campaign's recommendation deadline (none for a level with neither, or without a chain)."""
    try:
        chain = RecommendationChain.model_validate(payload.settings["recommendation"])
    except (KeyError, ValidationError):
        return {}
    out: dict[str, str] = {}
    for level in chain.levels:
        window = chain.windows.get(level)
        last = (window.closes_on if window else None) or payload.recommendation_deadline
        if last is not None:
            out[level] = last.isoformat()
    return out


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
