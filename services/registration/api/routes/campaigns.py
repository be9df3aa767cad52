"""``/api/v1/campaigns``: admins configure campaigns; anyone reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from shared.web import Problem
from shared.web.auth import AdminDep
from shared.web.idempotency import Idempotent

from ...domain.campaign import Campaign
from ..campaign_schemas import CampaignIn, CampaignList, CampaignOut, campaign_document
from ..deps import RegistrationDep

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.post(
    "", status_code=201, response_model=CampaignOut, summary="Create a campaign (admin)", dependencies=[Idempotent]
)
async def create_campaign(body: CampaignIn, _admin: AdminDep, registration: RegistrationDep) -> Response:
    campaign = body.campaign()
    version = await registration.campaigns.configure(campaign, 0)  # it exists: ConcurrencyError, 409
    return _answer(campaign, version, status_code=201, location=f"/api/v1/campaigns/{campaign.id}")


@router.put("/{campaign_id}", response_model=CampaignOut, summary="Replace a campaign's configuration (admin)")
async def change_campaign(
    campaign_id: str,
    body: CampaignIn,
    _admin: AdminDep,
    registration: RegistrationDep,
    if_match: Annotated[str | None, Header(alias="If-Match", description="The ETag (version) last read")] = None,
) -> Response:
    if if_match is None:
        raise Problem(
            428,
            "需要 If-Match (precondition required)",
            f'Send If-Match with the ETag of GET /api/v1/campaigns/{campaign_id}, e.g. If-Match: "1"',
        )
    expected = _version(if_match)
    if body.id != campaign_id:
        message = f"请求体的 id 须与路径一致 (the body's id {body.id} is not {campaign_id}; ids do not change)"
        raise Problem(422, "活动年度配置无效 (invalid campaign)", message, errors=[{"field": "id", "message": message}])
    if await registration.campaigns.get(campaign_id) is None:
        raise _not_found(campaign_id)
    campaign = body.campaign()
    version = await registration.campaigns.configure(campaign, expected)  # stale: ConcurrencyError, 409
    return _answer(campaign, version)


@router.get("", response_model=CampaignList, summary="Every campaign, the newest year first")
async def list_campaigns(registration: RegistrationDep) -> Response:
    items = [campaign_document(campaign, version) for campaign, version in await registration.campaigns.all()]
    return JSONResponse({"items": items})


@router.get("/{campaign_id}", response_model=CampaignOut, summary="Read a campaign")
async def get_campaign(
    campaign_id: str,
    registration: RegistrationDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    found = await registration.campaigns.get(campaign_id)
    if found is None:
        raise _not_found(campaign_id)
    campaign, version = found
    if if_none_match is not None and _version_in(if_none_match, version):
        return Response(status_code=304, headers={"ETag": f'"{version}"'})
    return _answer(campaign, version)


def _answer(campaign: Campaign, version: int, status_code: int = 200, location: str | None = None) -> Response:
    headers = {"ETag": f'"{version}"'}
    if location is not None:
        headers["Location"] = location
    return JSONResponse(campaign_document(campaign, version), status_code=status_code, headers=headers)


def _version_in(tags: str, version: int) -> bool:
    return f'"{version}"' in {tag.strip().removeprefix("W/") for tag in tags.split(",")}


def _not_found(campaign_id: str) -> Problem:
    return Problem(404, "活动年度不存在 (not found)", f"No campaign {campaign_id}")


def _version(if_match: str) -> int:
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise Problem(
            400, "If-Match 无效 (invalid If-Match)", 'If-Match must carry the ETag of the campaign, e.g. "3"'
        ) from None
