"""Who has submitted a summary report (工作总结), from ``summary-submitted`` on the reviews stream, so
that the summary-deadline reminders (:mod:`..service.summary_reminders`) spare them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.summaries import SummarySubmitted
from shared.events.topics import REVIEWS

from ..adapters.streams import keep_submitted


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
        keep_submitted(connection, rows)
