"""``/api/v1/dashboard``: the organizer's activities with status, review outcome, completeness, deadlines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from shared.web.auth import OrganizerDep

from ..deps import RegistrationDep

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", summary="My unit (id and name), its activities and the deadlines that still apply")
async def dashboard(
    organizer: OrganizerDep,
    registration: RegistrationDep,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    assert organizer.unit_id is not None
    page = await registration.dashboard.page(organizer.unit_id, campaign_id=campaign_id, cursor=cursor, limit=limit)
    return {
        "unit": await registration.dashboard.unit(organizer.unit_id),
        "items": page.items,
        "next_cursor": page.next_cursor,
        "counts": page.counts,
        "drafts": page.drafts,
        "campaigns": page.campaigns,
    }
