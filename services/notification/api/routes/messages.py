"""``/api/v1/messages``: the delivery state of every message sent in an organizer's name (admins: all),
a resend by an admin, and opt-outs recorded through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from shared.web.dates import Zoned

from ...domain.delivery import State
from ..deps import AdminDep, InboxReaderDep, NotificationDep, ReaderDep

router = APIRouter(tags=["messages"])


class MessageOut(BaseModel):
    notification_id: str
    kind: str
    channel: str
    recipient_masked: str = Field(description="the recipient, masked; the clear value stays in the ledger")
    activity_id: str | None
    campaign: str | None
    state: State
    attempts: int
    provider_message_id: str | None
    error: str | None
    created_at: Zoned
    updated_at: Zoned
    not_before: Zoned | None = Field(
        description="a queued message: the earliest it goes (China time; quiet hours and retries); else null"
    )
    status_text: str = Field(description="the state for people, in Chinese (e.g. when a held message will go)")


class MessagePage(BaseModel):
    items: list[MessageOut]
    counts: dict[str, int] = Field(description="messages per state, for the same caller and filters")
    next_offset: int | None


class InboxItem(BaseModel):
    notification_id: str
    kind: str
    activity_id: str | None
    campaign: str | None
    title: str | None = Field(description="the message's title")
    text: str
    created_at: Zoned


class InboxPage(BaseModel):
    items: list[InboxItem]
    total: int
    next_offset: int | None


class OptOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str = Field(pattern=r"^1[3-9]\d{9}$", description="a mainland mobile number")


@router.get("/messages", response_model=MessagePage, summary="Messages sent in my name, with their delivery state")
async def list_messages(
    reader: ReaderDep,
    notification: NotificationDep,
    state: State | None = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    activity_id: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    page = await notification.ledger.page(
        reader, state=state, kind=kind, activity_id=activity_id, offset=offset, limit=limit
    )
    return MessagePage(
        items=[MessageOut(**item) for item in page.items], counts=page.counts, next_offset=page.next_offset
    )


@router.get(
    "/inbox",
    response_model=InboxPage,
    summary="My in-app messages: review outcomes and deadline reminders (organizers), recommendation deadlines (reviewers)",
)
async def inbox(
    reader: InboxReaderDep,
    notification: NotificationDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxPage:
    page = await notification.ledger.inbox(reader, offset=offset, limit=limit)
    items = [InboxItem(title=item.pop("subject"), **item) for item in page.items]
    return InboxPage(items=items, total=page.counts["total"], next_offset=page.next_offset)


@router.post("/messages/{notification_id}/resend", response_model=MessageOut, summary="Queue a message again (admin)")
async def resend(notification_id: str, _admin: AdminDep, notification: NotificationDep) -> MessageOut:
    message = await notification.ledger.resend(notification_id)
    notification.dispatcher.wake()
    return MessageOut(**message)


@router.post("/opt-outs", status_code=204, summary="Record an opt-out (admin, on the recipient's request)")
async def opt_out(body: OptOutIn, _admin: AdminDep, notification: NotificationDep) -> None:
    await notification.ledger.opt_out(body.phone, "api")
