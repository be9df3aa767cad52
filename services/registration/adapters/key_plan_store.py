"""The counties' 附件1 key-activity plans in registration's database: each sign-off or reopening an event
and a ``key_activity_plans`` row; the key activities counted from the ``activities`` rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from shared.events import CATALOG
from shared.events.payloads.base import EventPayload
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, sync_reading
from shared.store.upsert import upsert_statement

from ..domain.key_plans import KeyPlan, county_of
from .tables import activities, key_activity_plans

SOURCE = "/kepuri/registration"


class SqlKeyPlanStore:
    """Reads and writes the plans; every change goes through the group-commit writer."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def signed_off(self, campaign_id: str, counties: list[str]) -> list[str]:
        """Those of ``counties`` whose plan is signed off."""
        t = key_activity_plans
        query = select(t.c.region_code).where(
            t.c.campaign_id == campaign_id, t.c.region_code.in_(counties), t.c.signed_off.is_(True)
        )
        return await sync_reading(self._backbone.engine, lambda c: [r[0] for r in c.execute(query)])

    async def sheets(self, campaign_id: str, jurisdiction: str) -> tuple[dict[str, int], dict[str, Any]]:
        """The key activities per county under ``jurisdiction``, and the plan rows there by county."""

        def read(connection: Connection) -> tuple[dict[str, int], dict[str, Any]]:
            counts = _key_counts(connection, campaign_id, jurisdiction)
            t = key_activity_plans
            rows = {
                r.region_code: r
                for r in connection.execute(
                    select(t).where(t.c.campaign_id == campaign_id, t.c.region_code.like(f"{jurisdiction}%"))
                )
            }
            return counts, rows

        return await sync_reading(self._backbone.engine, read)

    async def plan(self, campaign_id: str, county: str) -> tuple[KeyPlan, int]:
        """The county's plan as it stands, and how many key activities it holds."""
        return await sync_reading(self._backbone.engine, lambda c: _plan(c, campaign_id, county))

    async def save(
        self, before: KeyPlan, after: KeyPlan, event: EventPayload, count: int, by: str, now: datetime
    ) -> None:
        """The change's event at the plan's next version and its row."""
        envelope = CATALOG.envelope(
            event,
            subject=before.aggregate_id,
            sequence=after.version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=before.campaign_id,
        )
        row = {
            "campaign_id": before.campaign_id,
            "region_code": before.region_code,
            "version": after.version,
            "signed_off": after.signed_off,
            "key_activities": count,
            "changed_by": by[:64],
            "changed_at": now,
        }
        columns = ("version", "signed_off", "key_activities", "changed_by", "changed_at")
        statement = upsert_statement(
            self._backbone.engine.dialect.name,
            key_activity_plans,
            ("campaign_id", "region_code"),
            dict.fromkeys(columns),
        ).values(row)
        await self._backbone.writer.submit(
            Changes(appends=[AggregateAppend(before.aggregate_id, before.version, [envelope])], statements=[statement])
        )


def _plan(connection: Connection, campaign_id: str, county: str) -> tuple[KeyPlan, int]:
    t = key_activity_plans
    row = connection.execute(
        select(t.c.version, t.c.signed_off).where(t.c.campaign_id == campaign_id, t.c.region_code == county)
    ).first()
    plan = KeyPlan(campaign_id, county, row[0], bool(row[1])) if row else KeyPlan(campaign_id, county)
    return plan, _key_counts(connection, campaign_id, county).get(county, 0)


def _key_counts(connection: Connection, campaign_id: str, prefix: str) -> dict[str, int]:
    """How many registered key activities each county under ``prefix`` holds in the campaign."""
    a = activities
    query = select(a.c.region_code, a.c.data).where(
        a.c.campaign_id == campaign_id, a.c.status == "registered", a.c.region_code.like(f"{prefix}%")
    )
    counts: dict[str, int] = {}
    for region_code, data in connection.execute(query):
        details: dict[str, Any] = json.loads(data)
        county = county_of(region_code)
        if county and details.get("key_activity"):
            counts[county] = counts.get(county, 0) + 1
    return counts
