"""``/api/v1/activities``: an organizer registers, changes, withdraws and completes its activities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from shared.auth import Principal
from shared.web import Problem
from shared.web.auth import OrganizerDep, PrincipalDep
from shared.web.idempotency import Idempotent

from ...domain.activity import Activity
from ..deps import RegistrationDep
from ..schemas import ActivityDetailsIn, ActivityIn, ActivityOut, InfoIn, ScienceWorkersIn, WithdrawalIn

router = APIRouter(prefix="/activities", tags=["activities"])

IfMatch = Annotated[str, Header(alias="If-Match", description='The ETag (version) the caller last read, e.g. "3"')]


@router.post(
    "",
    status_code=201,
    response_model=ActivityOut,
    summary="Register (submit) an activity",
    dependencies=[Idempotent],
)
async def register_activity(body: ActivityIn, organizer: OrganizerDep, registration: RegistrationDep) -> Response:
    """Submit an activity of the caller's unit, inside the campaign's registration window."""
    activity = await registration.activities.register(organizer, body.campaign_id, body.details())
    return _answer(activity, organizer, status_code=201, location=True)


@router.get("/{activity_id}", response_model=ActivityOut, summary="Read an activity")
async def get_activity(activity_id: str, principal: PrincipalDep, registration: RegistrationDep) -> Response:
    """The activity, to its own unit (contacts in clear) or an admin (contacts masked)."""
    return _answer(await registration.activities.get(principal, activity_id), principal)


@router.put("/{activity_id}", response_model=ActivityOut, summary="Change an activity before it is held")
async def update_activity(
    activity_id: str,
    body: ActivityDetailsIn,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    if_match: IfMatch,
) -> Response:
    """Replace the activity's details; a stale If-Match is 409. A rejected activity returns to review."""
    activity = await registration.activities.update(organizer, activity_id, version_of(if_match), body.details())
    return _answer(activity, organizer)


@router.post("/{activity_id}/withdrawal", response_model=ActivityOut, summary="Withdraw an activity before it is held")
async def withdraw_activity(
    activity_id: str,
    body: WithdrawalIn,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    if_match: IfMatch,
) -> Response:
    activity = await registration.activities.withdraw(organizer, activity_id, version_of(if_match), body.reason)
    return _answer(activity, organizer)


@router.put("/{activity_id}/info", response_model=ActivityOut, summary="Complete the activity's information")
async def complete_info(
    activity_id: str,
    body: InfoIn,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    if_match: IfMatch,
) -> Response:
    """信息完善: photos, videos, news links, turnout and summary, after it started and before the deadline."""
    media = await registration.media.items(body.media)
    activity = await registration.activities.complete_info(
        organizer, activity_id, version_of(if_match), body.info(media)
    )
    return _answer(activity, organizer)


@router.put(
    "/{activity_id}/science-workers",
    response_model=ActivityOut,
    summary="Replace the science-worker list, until the info-completion deadline",
)
async def relist_science_workers(
    activity_id: str,
    body: ScienceWorkersIn,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    if_match: IfMatch,
) -> Response:
    """参与科技工作者: also after the activity, completed with its information (2022 notice); new names are thanked once."""
    activity = await registration.activities.relist_science_workers(
        organizer, activity_id, version_of(if_match), body.workers()
    )
    return _answer(activity, organizer)


def _answer(activity: Activity, principal: Principal, *, status_code: int = 200, location: bool = False) -> Response:
    clear = principal.role == "organizer" and principal.unit_id == activity.unit_id
    headers = {"ETag": f'"{activity.version}"'}
    if location:
        headers["Location"] = f"/api/v1/activities/{activity.id}"
    body = ActivityOut.of(activity, clear=clear).model_dump(mode="json")
    return JSONResponse(body, status_code=status_code, headers=headers)


def version_of(if_match: str) -> int:
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise Problem(
            400, "If-Match 无效 (invalid If-Match)", 'If-Match must carry the ETag the caller read, e.g. "3"'
        ) from None
