"""Registration's service layer for the counties' 附件1 key-activity plans: the city's summary (汇总) of
its counties, sign-off and reopening (events and state row in one transaction), and the lock activities
consult. See :mod:`.domain.key_plans` for the rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from shared.auth import Principal
from shared.events import CATALOG
from shared.observability.logging import correlation_id
from shared.regions import PackagedRegions
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, sync_reading
from shared.store.upsert import upsert_statement

from ..adapters.tables import activities, key_activity_plans
from ..domain import key_plans as decide
from ..domain.campaign import Campaign
from ..domain.errors import Refused, RuleBroken
from ..domain.key_plans import KeyPlan, county_of
from .ports import KeyPlanLocks

SOURCE = "/kepuri/registration"


@dataclass(frozen=True)
class CountySheet:
    """A county's line in its city's 附件1 summary."""

    region_code: str
    name: str
    key_activities: int
    signed_off: bool
    changed_at: datetime | None

    @property
    def status(self) -> str:
        """未提交 (no key activity yet), 已提交 (some), 已签收 (the city signed it off)."""
        if self.signed_off:
            return "signed_off"
        return "submitted" if self.key_activities else "not_submitted"


class KeyPlans(KeyPlanLocks):
    """The counties' plans: who signed what off, and how many key activities each holds."""

    def __init__(self, backbone: Backbone, regions: PackagedRegions | None = None) -> None:
        self._backbone = backbone
        self._regions = regions or PackagedRegions()

    async def signed_off(self, campaign_id: str, *counties: str | None) -> str | None:
        """The first of ``counties`` whose plan the city has signed off, or None."""
        wanted = sorted({c for c in counties if c})
        if not wanted:
            return None
        t = key_activity_plans
        query = select(t.c.region_code).where(
            t.c.campaign_id == campaign_id, t.c.region_code.in_(wanted), t.c.signed_off.is_(True)
        )
        found = await sync_reading(self._backbone.engine, lambda c: [r[0] for r in c.execute(query)])
        return min(found) if found else None

    async def summary(self, principal: Principal, campaign: Campaign) -> list[CountySheet]:
        """A city reviewer's counties (a county reviewer's own county), each with its sheet's status."""
        jurisdiction = principal.jurisdiction or ""
        if principal.role != "reviewer" or principal.level not in ("city", "county") or not jurisdiction:
            raise Refused("role", "只有市、县（区）科协审核人员可以查看附件1汇总 (city and county reviewers only)")
        if principal.level == "city":
            counties = [(code, name) for code, name in self._regions.children(jurisdiction) if county_of(code)]
        else:
            counties = [(jurisdiction, self._regions.name(jurisdiction) or jurisdiction)]

        def read(connection: Connection) -> list[CountySheet]:
            counts = _key_counts(connection, campaign.id, jurisdiction)
            t = key_activity_plans
            rows = {
                r.region_code: r
                for r in connection.execute(
                    select(t).where(t.c.campaign_id == campaign.id, t.c.region_code.like(f"{jurisdiction}%"))
                )
            }
            return [
                CountySheet(
                    code,
                    name,
                    counts.get(code, 0),
                    bool(rows[code].signed_off) if code in rows else False,
                    rows[code].changed_at if code in rows else None,
                )
                for code, name in counties
            ]

        return await sync_reading(self._backbone.engine, read)

    async def sign_off(self, principal: Principal, campaign: Campaign, county: str) -> CountySheet:
        """The city signs the county's sheet off (again: nothing changes)."""
        return await self._change(principal, campaign, county, sign=True)

    async def reopen(self, principal: Principal, campaign: Campaign, county: str) -> CountySheet:
        """The city reopens the county's sheet, so its key activities may change again."""
        return await self._change(principal, campaign, county, sign=False)

    async def _change(self, principal: Principal, campaign: Campaign, county: str, *, sign: bool) -> CountySheet:
        decide.require_city_reviewer(campaign, principal.level, principal.jurisdiction, county)
        if not self._regions.exists(county):
            raise RuleBroken("region_code", f"行政区划代码 {county} 不存在 (no such GB/T 2260 division)")
        plan, count = await sync_reading(self._backbone.engine, lambda c: _plan(c, campaign.id, county))
        changed, event = (
            decide.sign_off(plan, count, principal.subject) if sign else decide.reopen(plan, principal.subject)
        )
        now = datetime.now(UTC)
        if event is not None:
            envelope = CATALOG.envelope(
                event,
                subject=plan.aggregate_id,
                sequence=changed.version,
                source=SOURCE,
                correlationid=correlation_id.get(),
                campaign=campaign.id,
            )
            row = {
                "campaign_id": campaign.id,
                "region_code": county,
                "version": changed.version,
                "signed_off": changed.signed_off,
                "key_activities": count,
                "changed_by": principal.subject[:64],
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
                Changes(appends=[AggregateAppend(plan.aggregate_id, plan.version, [envelope])], statements=[statement])
            )
        name = self._regions.name(county) or county
        return CountySheet(county, name, count, changed.signed_off, now if event is not None else None)


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
