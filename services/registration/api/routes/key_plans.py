"""``/api/v1/key-activity-plans``: the counties' 附件1 sheets, which their city collects (汇总) and signs off."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from shared.web.auth import PrincipalDep
from shared.web.dates import Zoned

from ...service.key_plans import CountySheet, KeyPlans
from ..deps import RegistrationDep

router = APIRouter(prefix="/key-activity-plans", tags=["key-activity-plans"])

CampaignId = Annotated[str, Query(max_length=64, description="the campaign, e.g. 2022-weinan")]
County = Annotated[str, Path(pattern=r"^\d{6}$", description="the county (GB/T 2260)")]


class CountySheetOut(BaseModel):
    """A county's 附件1 sheet as its city sees it."""

    region_code: str
    name: str
    key_activities: int = Field(description="registered key activities (重点活动) in the county")
    status: Literal["not_submitted", "submitted", "signed_off"] = Field(description="未提交 / 已提交 / 已签收")
    changed_at: Zoned | None = Field(None, description="when it was last signed off or reopened")

    @classmethod
    def of(cls, sheet: CountySheet) -> CountySheetOut:
        return cls(
            region_code=sheet.region_code,
            name=sheet.name,
            key_activities=sheet.key_activities,
            status=sheet.status,
            changed_at=sheet.changed_at,
        )


class KeyPlanSummaryOut(BaseModel):
    """附件1 汇总: each county of the caller's city (a county reviewer: its own), with its deadline."""

    campaign_id: str
    deadline: str | None = Field(None, description="重点活动计划表 due on this day (China), ISO date")
    items: list[CountySheetOut]


def _plans(registration: RegistrationDep) -> KeyPlans:
    assert registration.key_plans is not None
    return registration.key_plans


@router.get("", response_model=KeyPlanSummaryOut, summary="The counties' 附件1 sheets: submitted, signed off")
async def summary(campaign_id: CampaignId, principal: PrincipalDep, registration: RegistrationDep) -> KeyPlanSummaryOut:
    campaign = await registration.activities.campaigns.get(campaign_id)
    sheets = await _plans(registration).summary(principal, campaign)
    deadline = campaign.settings.get("key_activity_plan_deadline")
    return KeyPlanSummaryOut(
        campaign_id=campaign.id,
        deadline=deadline if isinstance(deadline, str) else None,
        items=[CountySheetOut.of(s) for s in sheets],
    )


@router.post("/{county}/sign-off", response_model=CountySheetOut, summary="The city signs a county's 附件1 sheet off")
async def sign_off(
    county: County, campaign_id: CampaignId, principal: PrincipalDep, registration: RegistrationDep
) -> CountySheetOut:
    """签收: the county's key activities are locked until the city reopens the sheet."""
    campaign = await registration.activities.campaigns.get(campaign_id)
    return CountySheetOut.of(await _plans(registration).sign_off(principal, campaign, county))


@router.post("/{county}/reopening", response_model=CountySheetOut, summary="The city reopens a signed-off sheet")
async def reopen(
    county: County, campaign_id: CampaignId, principal: PrincipalDep, registration: RegistrationDep
) -> CountySheetOut:
    """退回: the county's key activities may change again."""
    campaign = await registration.activities.campaigns.get(campaign_id)
    return CountySheetOut.of(await _plans(registration).reopen(principal, campaign, county))
