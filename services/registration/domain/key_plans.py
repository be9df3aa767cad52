"""A county's key-activity plan (重点活动计划表, 附件1): the key activities registered in the county, which
the county reports to its city by the campaign's ``settings.key_activity_plan_deadline`` (Weinan 2022:
“9月10日前将计划开展的重点活动汇总上报市科协科普部（附件1）”) and the city signs off.

After the deadline no new key activity joins a plan; once the city has signed a county's plan off, its
key activities are locked (no new one, no change, no withdrawal) until the city reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from shared.events.payloads.key_activities import KeyActivitiesReopened, KeyActivitiesSignedOff

from .campaign import Campaign, china_day, chinese_date
from .errors import Refused, RuleBroken


@dataclass(frozen=True)
class KeyPlan:
    """One county's 附件1 sheet in one campaign, as the city has (or has not) signed it off."""

    campaign_id: str
    region_code: str
    version: int = 0
    signed_off: bool = False

    @property
    def aggregate_id(self) -> str:
        return plan_id(self.campaign_id, self.region_code)


def plan_id(campaign_id: str, county: str) -> str:
    """The event-store id of a county's plan in a campaign."""
    return f"key-plan:{campaign_id}:{county}"


def plan_deadline(campaign: Campaign) -> date | None:
    """The day the campaign's 附件1 sheets are due (``settings.key_activity_plan_deadline``), or None."""
    value = campaign.settings.get("key_activity_plan_deadline")
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def county_of(region_code: str) -> str | None:
    """The county (6-digit code) a place lies in; None for a code of a city or province."""
    return region_code if len(region_code) == 6 and not region_code.endswith("00") else None


def require_key_activity_open(
    campaign: Campaign, key_before: bool, key_after: bool, signed_off_county: str | None, now: datetime
) -> None:
    """Refuse a change to a key activity of a signed-off plan, or a new key activity after the deadline.

    ``key_before`` / ``key_after``: whether the activity is a key activity before and after the change
    (False for one not yet registered, or withdrawn); ``signed_off_county``: the signed-off county it
    lies in (before or after), if any.
    """
    if not (key_before or key_after):
        return
    if signed_off_county is not None:
        raise RuleBroken(
            "key_activity",
            f"{signed_off_county} 的重点活动计划表（附件1）已由市科协签收，其中的重点活动不能再新增、修改或撤回；"
            f"如需修改，请联系市科协退回 (the county's key-activity plan is signed off by the city)",
        )
    deadline = plan_deadline(campaign)
    if key_after and not key_before and deadline is not None and china_day(now) > deadline:
        raise RuleBroken(
            "key_activity",
            f"重点活动计划表（附件1）已于{chinese_date(deadline)}截止报送，不能再新增重点活动 "
            f"(the key-activity plan was due on {deadline.isoformat()})",
        )


def require_city_reviewer(campaign: Campaign, level: str | None, jurisdiction: str | None, county: str) -> None:
    """Only the reviewer of the city the county lies in signs off or reopens its plan, in a campaign that asks for one."""
    if plan_deadline(campaign) is None:
        raise RuleBroken(
            "campaign_id", f"{campaign.title}不收集重点活动计划表（附件1）(the campaign has no key-activity plan)"
        )
    if county_of(county) is None:
        raise RuleBroken("region_code", f"{county} 不是县（市、区）的行政区划代码 (not a county)")
    if level != "city" or not jurisdiction or not county.startswith(jurisdiction):
        raise Refused(
            "region_code", f"只有 {county} 所在市的科协审核人员可以签收其重点活动计划表 (only its city's reviewer)"
        )


def sign_off(plan: KeyPlan, key_activities: int, by: str) -> tuple[KeyPlan, KeyActivitiesSignedOff | None]:
    """Sign a county's plan off (again: nothing happens)."""
    if plan.signed_off:
        return plan, None
    event = KeyActivitiesSignedOff(
        campaign_id=plan.campaign_id, region_code=plan.region_code, key_activities=key_activities, by=by
    )
    return replace(plan, version=plan.version + 1, signed_off=True), event


def reopen(plan: KeyPlan, by: str) -> tuple[KeyPlan, KeyActivitiesReopened | None]:
    """Reopen a signed-off plan (one that is open: nothing happens)."""
    if not plan.signed_off:
        return plan, None
    event = KeyActivitiesReopened(campaign_id=plan.campaign_id, region_code=plan.region_code, by=by)
    return replace(plan, version=plan.version + 1, signed_off=False), event
