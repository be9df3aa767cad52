"""Registration's service layer for the counties' 附件1 key-activity plans: the city's summary (汇总) of
its counties, sign-off and reopening (events and state row in one transaction), and the lock activities
consult. See :mod:`.domain.key_plans` for the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shared.auth import Principal
from shared.regions import PackagedRegions

from ..adapters.key_plan_store import SqlKeyPlanStore
from ..domain import key_plans as decide
from ..domain.campaign import Campaign
from ..domain.errors import Refused, RuleBroken
from ..domain.key_plans import county_of
from .ports import KeyPlanLocks


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

    def __init__(self, store: SqlKeyPlanStore, regions: PackagedRegions | None = None) -> None:
        self._store = store
        self._regions = regions or PackagedRegions()

    async def signed_off(self, campaign_id: str, *counties: str | None) -> str | None:
        """The first of ``counties`` whose plan the city has signed off, or None."""
        wanted = sorted({c for c in counties if c})
        if not wanted:
            return None
        found = await self._store.signed_off(campaign_id, wanted)
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
        counts, rows = await self._store.sheets(campaign.id, jurisdiction)
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
        plan, count = await self._store.plan(campaign.id, county)
        changed, event = (
            decide.sign_off(plan, count, principal.subject) if sign else decide.reopen(plan, principal.subject)
        )
        now = datetime.now(UTC)
        if event is not None:
            await self._store.save(plan, changed, event, count, principal.subject, now)
        name = self._regions.name(county) or county
        return CountySheet(county, name, count, changed.signed_off, now if event is not None else None)
