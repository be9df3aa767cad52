"""The overview: registered (not withdrawn) activities per campaign and province."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Connection, select

from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered, ActivityWithdrawn
from shared.events.topics import ACTIVITIES
from shared.store.upsert import upsert

from ..adapters.tables import overview_activities, overview_provinces


class OverviewProjection:
    """Counts activities by province from the activities stream, a batch at a time."""

    name = "analytics.overview"
    topics: tuple[str, ...] = (ACTIVITIES.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        relevant = [d for d in deliveries if isinstance(d.payload, ActivityRegistered | ActivityWithdrawn)]
        if not relevant:
            return
        a = overview_activities
        ids = {d.envelope.subject for d in relevant}
        rows = connection.execute(
            select(a.c.activity_id, a.c.campaign, a.c.province, a.c.withdrawn, a.c.version).where(
                a.c.activity_id.in_(ids)
            )
        )
        known = {row.activity_id: dict(row._mapping) for row in rows}
        changed: set[str] = set()
        delta: Counter[tuple[str, str]] = Counter()
        for delivery in relevant:
            row = known.get(delivery.envelope.subject)
            payload = delivery.payload
            if isinstance(payload, ActivityRegistered):
                if row is None:
                    row = {
                        "activity_id": payload.activity_id,
                        "campaign": payload.campaign_id or "",
                        "province": payload.region_code[:2],
                        "withdrawn": False,
                        "version": delivery.envelope.sequence,
                    }
                    known[payload.activity_id] = row
                    changed.add(payload.activity_id)
                    delta[(row["campaign"], row["province"])] += 1
            elif row is not None and not row["withdrawn"] and delivery.envelope.sequence > row["version"]:
                row["withdrawn"] = True
                row["version"] = delivery.envelope.sequence
                changed.add(delivery.envelope.subject)
                delta[(row["campaign"], row["province"])] -= 1
        upsert(
            connection,
            a,
            [known[i] for i in sorted(changed)],
            keys=("activity_id",),
            update={"withdrawn": None, "version": None},
        )
        upsert(
            connection,
            overview_provinces,
            [{"campaign": c, "province": p, "activities": n} for (c, p), n in delta.items() if n],
            keys=("campaign", "province"),
            update={"activities": lambda excluded, table: table.c.activities + excluded.activities},
        )
