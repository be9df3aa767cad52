"""Reminders of the summary deadline (工作总结), on the campaign's reminder days, to those who have not
submitted: each reporting body of a level the campaign names (``body:<level>:<region>``, for every
region of that level holding registered activities of the campaign) and each organizer unit with
activities in it (``unit:<id>``), where the campaign asks organizers to report. National societies,
which report by field, are not reminded here (as with recommendation deadlines).

``SubmittedSummaries`` keeps who has submitted, from ``summary-submitted`` on the reviews stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shared.consumer import Delivery
from shared.events.payloads.summaries import SummarySubmitted
from shared.events.topics import REVIEWS
from shared.regions import PackagedRegions
from shared.store.upsert import upsert

from ..adapters.tables import activities, summaries_submitted

KIND = "summary_deadline"
LEVEL_DIGITS = {"county": 6, "city": 4, "province": 2}
Row = Callable[[str, Any, date, int, str, str | None, str | None, str, datetime], dict[str, Any]]


class SubmittedSummaries:
    """Records each submitted summary report's (campaign, reporter)."""

    name = "notification.summaries"
    topics: tuple[str, ...] = (REVIEWS.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        rows = [
            {"campaign": d.payload.campaign_id, "reporter": d.payload.reporter}
            for d in deliveries
            if isinstance(d.payload, SummarySubmitted)
        ]
        upsert(connection, summaries_submitted, rows, keys=("campaign", "reporter"), update={})


def summary_reminders(
    connection: Connection,
    campaign: Any,
    left: int,
    now: datetime,
    compose: Callable[..., tuple[str | None, str]],
    regions: PackagedRegions,
    row: Row,
) -> list[dict[str, Any]]:
    """The reminders due today for ``campaign``'s summary deadline (``left`` days ahead)."""
    deadline = date.fromisoformat(campaign["summary_deadline"])
    reporters = json.loads(campaign["summary_reporters"] or "[]")
    s = summaries_submitted
    done = set(connection.scalars(select(s.c.reporter).where(s.c.campaign == campaign["campaign_id"])))
    a = activities
    registered = [a.c.campaign == campaign["campaign_id"]]
    due: list[tuple[str, str, str | None, str]] = []  # (reporter, inbox, organizer id, name)
    for kind in reporters:
        digits = LEVEL_DIGITS.get(kind)
        if digits is not None:
            region = func.substr(a.c.region_code, 1, digits)
            query = select(region).where(*registered, a.c.region_code.is_not(None)).distinct().order_by(region)
            for (code,) in connection.execute(query):
                name = f"{regions.name(code) or code}科协"
                due.append((f"{kind}:{code}", f"body:{kind}:{code}", None, name))
        elif kind == "organizer":
            query = (
                select(a.c.organizer_id, func.max(a.c.organizer_name))
                .where(*registered, a.c.organizer_id.is_not(None))
                .group_by(a.c.organizer_id)
                .order_by(a.c.organizer_id)
            )
            for organizer_id, organizer_name in connection.execute(query):
                due.append((f"organizer:{organizer_id}", f"unit:{organizer_id}", organizer_id, organizer_name or ""))
    out = []
    for reporter, inbox, organizer_id, name in due:
        if reporter in done:
            continue
        context = {
            "reporter_name": name,
            "campaign_title": campaign["title"],
            "deadline": deadline.isoformat(),
            "days_left": left,
        }
        title, text = compose(KIND, "inbox", campaign["campaign_id"], context)
        out.append(row(KIND, campaign, deadline, left, inbox, organizer_id, title, text, now))
    return out
