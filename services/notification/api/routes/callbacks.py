"""The SMS provider's callbacks: delivery receipts (sent → delivered or failed) and replies (退订 opts
the number out). Both are signed by the provider with our shared secret; anything else is refused."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..deps import NotificationDep

router = APIRouter(prefix="/sms", tags=["provider callbacks"])


@router.post("/receipts", status_code=204, summary="Delivery receipt from the SMS provider (signed)")
async def receipt(request: Request, notification: NotificationDep) -> None:
    await notification.callbacks.receipt(request.headers, await request.body(), request.url.path)


@router.post("/inbound", status_code=204, summary="A reply from a phone (signed); 退订 opts the number out")
async def inbound(request: Request, notification: NotificationDep) -> None:
    await notification.callbacks.inbound(request.headers, await request.body(), request.url.path)
