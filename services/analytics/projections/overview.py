"""The overview: registered (not withdrawn) activities per campaign and province."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered, ActivityWithdrawn
from shared.events.topics import ACTIVITIES

from ..adapters.overview import put_overview, stored_activities


class OverviewProjection:
    """Counts activities by province from the activities stream, a batch at a time."""

    name = "analytics.overview"
    topics: tuple[str, ...] = (ACTIVITIES.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        relevant = [d for d in deliveries if isinstance(d.payload, ActivityRegistered | ActivityWithdrawn)]
        if not relevant:
            return
        known = stored_activities(connection, {d.envelope.subject for d in relevant})
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
        put_overview(connection, [known[i] for i in sorted(changed)], delta)
