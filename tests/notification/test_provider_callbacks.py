"""The provider's signed callbacks through notification's API: a delivery receipt moves a sent message
to delivered (or failed with the handset's reason), a reply of 退订 opts the number out, and anything
unsigned or forged is refused without changing the ledger. The SMS goes out through the real adapter
to the stand-in provider (served in-process), so the receipt refers to a real provider message id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select

from services.notification.adapters.tables import messages, opt_outs
from services.notification.channels.signing import signed_headers
from services.notification.channels.sms import DEV_KEY_ID, DEV_SECRET, HttpSms, SmsSettings
from services.notification.standin import FailureRules, create_standin
from tests.notification.conftest import Clock, Service, campaign, completed, listed, registered, start

RECEIPTS, INBOUND = "/api/v1/sms/receipts", "/api/v1/sms/inbound"


@pytest.fixture
async def wired(tmp_path: Path, database: str) -> AsyncIterator[Service]:
    provider = create_standin(DEV_SECRET, DEV_KEY_ID, None, failures=FailureRules())
    sms = HttpSms(SmsSettings(base_url="http://standin"), transport=httpx.ASGITransport(app=provider))
    clock = Clock()
    app = start(tmp_path, database, {"sms": sms}, clock)
    async with app.router.lifespan_context(app):
        await app.state.container.dispatcher.stop()  # the test runs the rounds
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield Service(app, client, clock)


def signed(path: str, document: dict[str, object], secret: str = DEV_SECRET) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(document)
    return body, {**signed_headers(DEV_KEY_ID, secret, "POST", path, body), "Content-Type": "application/json"}


async def state_of(service: Service, phone: str) -> tuple[str, str | None, str | None]:
    m = messages
    async with service.container.backbone.engine.connect() as connection:
        row = (
            await connection.execute(
                select(m.c.state, m.c.provider_message_id, m.c.error).where(m.c.recipient == phone)
            )
        ).one()
    return row.state, row.provider_message_id, row.error


async def test_receipts_and_replies_are_applied_only_when_signed(wired: Service) -> None:
    service = wired
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111", "13900006666"))
    await service.feed(completed(activity.subject))
    await service.dispatch()
    sent, provider_id, _ = await state_of(service, "13900001111")
    assert sent == "sent" and provider_id

    body, headers = signed(RECEIPTS, {"message_id": provider_id, "status": "delivered", "to": "13900001111"})
    forged_body, forged = signed(RECEIPTS, {"message_id": provider_id, "status": "failed"}, secret="wrong")
    refused = await service.client.post(RECEIPTS, content=forged_body, headers=forged)
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/problem+json")
    assert (await state_of(service, "13900001111"))[0] == "sent"
    assert (await service.client.post(RECEIPTS, content=body, headers=headers)).status_code == 204
    assert (await state_of(service, "13900001111"))[0] == "delivered"
    replayed = await service.client.post(RECEIPTS, content=body, headers=headers)
    assert replayed.status_code == 401, "a replayed receipt (same nonce) is refused"

    _, lost_id, _ = await state_of(service, "13900006666")
    body, headers = signed(RECEIPTS, {"message_id": lost_id, "status": "failed", "error": "handset switched off"})
    assert (await service.client.post(RECEIPTS, content=body, headers=headers)).status_code == 204
    assert await state_of(service, "13900006666") == ("failed", lost_id, "handset switched off")

    body, headers = signed(INBOUND, {"from": "13900001111", "text": " 退订 "})
    assert (await service.client.post(INBOUND, content=body, headers=headers)).status_code == 204
    body, headers = signed(INBOUND, {"from": "13900002222", "text": "谢谢"})
    assert (await service.client.post(INBOUND, content=body, headers=headers)).status_code == 204
    unsigned = await service.client.post(INBOUND, json={"from": "13900003333", "text": "退订"})
    assert unsigned.status_code == 401
    async with service.container.backbone.engine.connect() as connection:
        opted = list(await connection.scalars(select(opt_outs.c.recipient)))
    assert opted == ["13900001111"]
