"""Review's view of activities: what a reviewer may judge, with its region and status."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered, ActivityWithdrawn
from shared.events.topics import ACTIVITIES
from shared.store.upsert import upsert

from ..adapters.tables import review_activities


class ActivitiesProjection:
    """Keeps one row per activity, guarded by the aggregate version against duplicates."""

    name = "review.activities"
    topics: tuple[str, ...] = (ACTIVITIES.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        t = review_activities
        relevant = [d for d in deliveries if isinstance(d.payload, ActivityRegistered | ActivityWithdrawn)]
        if not relevant:
            return
        ids = {d.envelope.subject for d in relevant}
        rows = connection.execute(select(t).where(t.c.activity_id.in_(ids)))
        known = {row.activity_id: dict(row._mapping) for row in rows}
        changed: set[str] = set()
        for delivery in relevant:
            subject, payload, sequence = delivery.envelope.subject, delivery.payload, delivery.envelope.sequence
            row = known.get(subject)
            if row is not None and sequence <= row["version"]:
                continue
            if isinstance(payload, ActivityRegistered):
                row = {
                    "activity_id": subject,
                    "campaign": payload.campaign_id or "",
                    "name": payload.name,
                    "organizer_name": payload.organizer_name,
                    "region_code": payload.region_code,
                    "status": "registered",
                    "version": sequence,
                }
            elif row is not None:
                row = {**row, "status": "withdrawn", "version": sequence}
            else:
                continue
            known[subject] = row
            changed.add(subject)
        upsert(
            connection,
            t,
            [known[i] for i in sorted(changed)],
            keys=("activity_id",),
            update={"status": None, "version": None, "name": None, "region_code": None},
        )
