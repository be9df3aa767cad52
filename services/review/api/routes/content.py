"""``/api/v1/review``: content review (内容审核) — the queue, approve, reject and bulk approve.

Reviewers (for their body's jurisdiction) and admins (the whole country) only; every refusal is
problem+json naming the rule (outside jurisdiction 403, unknown 404, withdrawn or already decided 409).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query

from ..content_schemas import (
    ApproveIn,
    BulkApprovedOut,
    BulkApproveIn,
    QueueOut,
    RejectIn,
    ReviewedActivityOut,
)
from ..deps import ReviewDep, StaffDep

router = APIRouter(prefix="/review", tags=["content review"])


@router.get("/queue", response_model=QueueOut, summary="The content-review queue of my jurisdiction")
async def review_queue(
    staff: StaffDep,
    review: ReviewDep,
    campaign_id: Annotated[str | None, Query(max_length=64, description="活动年度 (campaign id)")] = None,
    status: Annotated[Literal["pending", "approved", "rejected"], Query(description="review status")] = "pending",
    region: Annotated[str | None, Query(pattern=r"^\d{2,12}$", description="GB/T 2260 code prefix")] = None,
    category: Annotated[str | None, Query(max_length=50, description="活动类别")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueueOut:
    """Registered activities in the caller's jurisdiction with that review status, oldest registration
    first, a page at a time; ``counts`` gives the number per review status under the same filters."""
    page = await review.content.queue(
        staff,
        campaign=campaign_id,
        status=status,
        region=region,
        category=category,
        limit=limit,
        cursor=cursor,
    )
    return QueueOut.of(page)


@router.get(
    "/activities/{activity_id}", response_model=ReviewedActivityOut, summary="One activity with all its details"
)
async def reviewed_activity(activity_id: str, staff: StaffDep, review: ReviewDep) -> ReviewedActivityOut:
    """Everything its organizer registered and completed (活动详情: description, time, place, URL, photos,
    news links, turnout, summary), for a reviewer of its jurisdiction (403 outside, 404 unknown)."""
    return ReviewedActivityOut.of(await review.content.activity(staff, activity_id))


@router.post("/activities/approve", response_model=BulkApprovedOut, summary="Approve many activities, all or none")
async def approve_activities(body: BulkApproveIn, staff: StaffDep, review: ReviewDep) -> BulkApprovedOut:
    """Approve 1–500 activities. If any is unknown, outside the caller's jurisdiction or withdrawn,
    nothing is approved and the problem's ``errors`` name each such activity; those already approved
    are reported ``unchanged``."""
    return BulkApprovedOut.of(await review.content.approve_many(staff, body.activity_ids))


@router.post(
    "/activities/{activity_id}/approve", response_model=ReviewedActivityOut, summary="Approve an activity's content"
)
async def approve_activity(
    activity_id: str,
    staff: StaffDep,
    review: ReviewDep,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> ReviewedActivityOut:
    """The activity becomes public (activity-approved). A rejected one may be approved; approving
    an approved one is a 409."""
    note = body.note if body is not None else None
    return ReviewedActivityOut.of(await review.content.approve(staff, activity_id, note or None))


@router.post(
    "/activities/{activity_id}/reject", response_model=ReviewedActivityOut, summary="Reject an activity's content"
)
async def reject_activity(activity_id: str, body: RejectIn, staff: StaffDep, review: ReviewDep) -> ReviewedActivityOut:
    """Send the activity back to its organizer with a reason (activity-rejected); once revised, it
    returns to the queue as pending. An approved one may be rejected later."""
    return ReviewedActivityOut.of(await review.content.reject(staff, activity_id, body.reason))
