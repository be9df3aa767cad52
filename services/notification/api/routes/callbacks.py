"""The SMS provider's callbacks: delivery receipts (sent → delivered or failed) and replies (退订 opts
the number out). Both are signed by the provider with our shared secret; anything else is refused."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shared.web import Problem

from ...channels.signing import InvalidCallback
from ...channels.sms import HttpSms
from ..deps import NotificationDep

router = APIRouter(prefix="/sms", tags=["provider callbacks"])
OPT_OUT_WORDS = ("退订", "TD", "T")


def _sms(notification: NotificationDep) -> HttpSms:
    if notification.sms is None:
        raise Problem(404, "未配置短信服务商 (no SMS provider)", "This instance sends no SMS through a provider")
    return notification.sms


@router.post("/receipts", status_code=204, summary="Delivery receipt from the SMS provider (signed)")
async def receipt(request: Request, notification: NotificationDep) -> None:
    try:
        found = _sms(notification).verify_receipt(request.headers, await request.body(), path=request.url.path)
    except InvalidCallback as exc:
        raise Problem(401, "回执签名无效 (invalid receipt)", str(exc)) from exc
    await notification.ledger.receipt(found.provider_message_id, found.delivered, found.error)


@router.post("/inbound", status_code=204, summary="A reply from a phone (signed); 退订 opts the number out")
async def inbound(request: Request, notification: NotificationDep) -> None:
    try:
        reply = _sms(notification).verify_inbound(request.headers, await request.body(), path=request.url.path)
    except InvalidCallback as exc:
        raise Problem(401, "回复签名无效 (invalid inbound message)", str(exc)) from exc
    if reply.text.strip().upper() in OPT_OUT_WORDS:
        await notification.ledger.opt_out(reply.from_phone, "reply")
