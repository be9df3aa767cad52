"""``/api/v1/drafts``: an organizer saves activities incomplete and submits them when ready."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shared.web import Problem
from shared.web.auth import OrganizerDep
from shared.web.idempotency import Idempotent

from ...service.drafts import Draft
from ..deps import RegistrationDep
from ..schemas import ActivityIn, ActivityOut, DraftIn
from .activities import IfMatch, version_of

router = APIRouter(prefix="/drafts", tags=["drafts"])


def _out(draft: Draft, status_code: int = 200) -> JSONResponse:
    body = {"id": draft.id, "revision": draft.revision, "data": draft.data, "updated_at": draft.updated_at.isoformat()}
    headers = {"ETag": f'"{draft.revision}"', "Location": f"/api/v1/drafts/{draft.id}"}
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.post(
    "", status_code=201, summary="Save a new draft (any fields, each still checked)", dependencies=[Idempotent]
)
async def create_draft(body: DraftIn, organizer: OrganizerDep, registration: RegistrationDep) -> Response:
    draft = await registration.drafts.create(organizer, body.model_dump(mode="json", exclude_none=True))
    return _out(draft, 201)


@router.get("", summary="The unit's drafts, last changed first")
async def list_drafts(organizer: OrganizerDep, registration: RegistrationDep) -> dict[str, Any]:
    drafts = await registration.drafts.mine(organizer)
    return {
        "items": [
            {"id": d.id, "revision": d.revision, "name": d.data.get("name"), "updated_at": d.updated_at} for d in drafts
        ]
    }


@router.get("/{draft_id}", summary="Read a draft")
async def get_draft(draft_id: str, organizer: OrganizerDep, registration: RegistrationDep) -> Response:
    return _out(await registration.drafts.get(organizer, draft_id))


@router.put("/{draft_id}", summary="Replace a draft's fields (If-Match: its revision)")
async def replace_draft(
    draft_id: str,
    body: DraftIn,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    if_match: IfMatch,
) -> Response:
    data = body.model_dump(mode="json", exclude_none=True)
    return _out(await registration.drafts.replace(organizer, draft_id, version_of(if_match), data))


@router.delete("/{draft_id}", status_code=204, summary="Delete a draft")
async def delete_draft(draft_id: str, organizer: OrganizerDep, registration: RegistrationDep) -> Response:
    await registration.drafts.delete(organizer, draft_id)
    return Response(status_code=204)


@router.post(
    "/{draft_id}/submission",
    status_code=201,
    response_model=ActivityOut,
    summary="Submit a draft",
    dependencies=[Idempotent],
)
async def submit_draft(
    draft_id: str,
    organizer: OrganizerDep,
    registration: RegistrationDep,
    if_match: Annotated[str, Header(alias="If-Match")],
) -> Response:
    """Register the draft as an activity with the same id; 422 lists every field still missing or wrong."""
    try:
        draft = await registration.drafts.get(organizer, draft_id)
        body = ActivityIn.model_validate(draft.data)  # a draft is checked exactly as a registration
        activity = await registration.drafts.submit(
            organizer, draft_id, version_of(if_match), body.campaign_id, body.details()
        )
    except ValidationError as exc:
        errors = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
        fields = ", ".join(sorted({e["field"] for e in errors}))
        raise Problem(
            422, "草稿尚不完整 (the draft is incomplete)", f"Complete or fix: {fields}", errors=errors
        ) from exc
    headers = {"ETag": f'"{activity.version}"', "Location": f"/api/v1/activities/{activity.id}"}
    return JSONResponse(ActivityOut.of(activity).model_dump(mode="json"), status_code=201, headers=headers)
