"""``/api/v1/activities``: register an activity and read it back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from shared.store import IntegrityViolation
from shared.web import Problem
from shared.web.idempotency import IdempotentRequest

from ...domain.activity import RegisterActivity, WithdrawActivity
from ...domain.rules import RuleBroken
from ..deps import RegistrationDep
from ..schemas import ActivityIn, ActivityOut, WithdrawalIn

router = APIRouter(prefix="/activities", tags=["activities"])


@router.post("", status_code=201, response_model=ActivityOut, summary="Register an activity")
async def register_activity(
    body: ActivityIn,
    request: Request,
    registration: RegistrationDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    key = IdempotentRequest.of(idempotency_key, "POST /activities", await request.body())
    if key is not None and (replayed := await registration.backbone.idempotency.replay(key)):
        return replayed
    command = RegisterActivity(
        name=body.name,
        organizer_name=body.organizer,
        region_code=body.region_code,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        format=body.format,
        campaign_id=body.campaign_id,
    )
    try:
        activity = await registration.activities.register(
            command, (key, lambda a: ActivityOut.of(a).model_dump_json().encode()) if key else None
        )
    except RuleBroken as exc:
        raise rule_problem(exc) from exc
    except IntegrityViolation:
        if key is not None and (replayed := await registration.backbone.idempotency.replay(key)):
            return replayed
        raise
    return JSONResponse(
        ActivityOut.of(activity).model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/v1/activities/{activity.id}", "ETag": f'"{activity.version}"'},
    )


@router.get("/{activity_id}", response_model=ActivityOut, summary="Read an activity")
async def get_activity(activity_id: str, registration: RegistrationDep) -> Response:
    activity = await registration.activities.get(activity_id)
    if activity is None:
        raise Problem(404, "活动不存在 (not found)", f"No activity {activity_id}")
    return JSONResponse(ActivityOut.of(activity).model_dump(mode="json"), headers={"ETag": f'"{activity.version}"'})


@router.post("/{activity_id}/withdrawal", response_model=ActivityOut, summary="Withdraw an activity before it is held")
async def withdraw_activity(
    activity_id: str,
    body: WithdrawalIn,
    registration: RegistrationDep,
    if_match: Annotated[str, Header(alias="If-Match", description="The ETag (version) the caller last read")],
) -> Response:
    command = WithdrawActivity(activity_id, _version(if_match), body.reason)
    try:
        activity = await registration.activities.withdraw(command)
    except RuleBroken as exc:
        raise rule_problem(exc) from exc
    if activity is None:
        raise Problem(404, "活动不存在 (not found)", f"No activity {activity_id}")
    return JSONResponse(ActivityOut.of(activity).model_dump(mode="json"), headers={"ETag": f'"{activity.version}"'})


def _version(if_match: str) -> int:
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise Problem(
            400, "If-Match 无效 (invalid If-Match)", 'If-Match must carry the ETag of the activity, e.g. "3"'
        ) from None


def rule_problem(exc: RuleBroken) -> Problem:
    return Problem(422, "活动信息无效 (invalid activity)", str(exc), errors=[{"field": exc.field, "message": str(exc)}])
