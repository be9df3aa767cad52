"""Reminders of the summary deadline (工作总结), on the campaign's reminder days, to those who have not
submitted: each reporting body of a level the campaign names (``body:<level>:<region>``, for every
region of that level holding registered activities of the campaign) and each organizer unit with
activities in it (``unit:<id>``), where the campaign asks organizers to report. National societies,
which report by field, are not reminded here (as with recommendation deadlines).

Who has submitted is kept by :mod:`..projections.submitted_summaries`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from shared.regions import PackagedRegions

from ..adapters import reminder_reads as reads
from ..adapters.reservations import reminder
from .ports import Texts

KIND = "summary_deadline"
LEVEL_DIGITS = {"county": 6, "city": 4, "province": 2}


def summary_reminders(
    connection: Connection, campaign: Any, left: int, now: datetime, texts: Texts, regions: PackagedRegions
) -> list[dict[str, Any]]:
    """The reminders due today for ``campaign``'s summary deadline (``left`` days ahead)."""
    deadline = date.fromisoformat(campaign["summary_deadline"])
    campaign_id = campaign["campaign_id"]
    done = reads.submitted_reporters(connection, campaign_id)
    out = []
    for reporter, inbox, organizer_id, name in reporters_due(connection, campaign, regions):
        if reporter in done:
            continue
        context = {
            "reporter_name": name,
            "campaign_title": campaign["title"],
            "deadline": deadline.isoformat(),
            "days_left": left,
        }
        title, text = texts.compose(KIND, "inbox", campaign_id, context)
        out.append(reminder(KIND, campaign, deadline, left, inbox, organizer_id, title, text, now))
    return out


def reporters_due(
    connection: Connection, campaign: Any, regions: PackagedRegions
) -> list[tuple[str, str, str | None, str]]:
    """(reporter, inbox, organizer id, name) of each reporter the campaign names: the body of every
    region of a reporting level holding its activities, and each organizer with activities."""
    due: list[tuple[str, str, str | None, str]] = []
    for kind in json.loads(campaign["summary_reporters"] or "[]"):
        digits = LEVEL_DIGITS.get(kind)
        if digits is not None:
            for code in reads.regions_with_activities(connection, campaign["campaign_id"], digits):
                due.append((f"{kind}:{code}", f"body:{kind}:{code}", None, f"{regions.name(code) or code}科协"))
        elif kind == "organizer":
            for organizer_id, name in reads.organizers_of(connection, campaign["campaign_id"]):
                due.append((f"organizer:{organizer_id}", f"unit:{organizer_id}", organizer_id, name))
    return due
