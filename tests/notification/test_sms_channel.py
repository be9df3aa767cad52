"""The SMS adapter against the real stand-in provider, both served by uvicorn on free ports.

A small receiver app (the notification side of the callbacks) verifies receipts and inbound replies
with the adapter's own checks, as the service's routes do.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx
import orjson
import pytest
from fastapi import FastAPI

from harness.ports import free_port
from services.notification.channels.base import PermanentFailure, Sent, TransientFailure
from services.notification.channels.signing import InvalidCallback, signed_headers
from services.notification.channels.sms import HttpSms, Inbound, Receipt, SmsSettings
from services.notification.standin import FailureRules, create_standin

from .standin_support import KEY_ID, SECRET, Receiver, VirtualClock, handset, outgoing, phone, serving, settings, stats


async def test_send_returns_the_provider_id_and_reaches_the_handset(sms: HttpSms, standin_url: str) -> None:
    message = outgoing()
    sent = await sms.send(message)
    assert isinstance(sent, Sent) and sent.provider_message_id and sent.provider_message_id.startswith("sm-")
    [got] = await handset(standin_url, message.to)
    assert (got["message_id"], got["client_ref"]) == (sent.provider_message_id, message.key)
    assert (got["text"], got["sign"]) == (message.text, "渭南市科学技术协会")

    unsigned = outgoing(sign=None)  # no organizer: the default signature from the settings
    await sms.send(unsigned)
    [got] = await handset(standin_url, unsigned.to)
    assert got["sign"] == "全国科普日"


async def test_the_same_key_twice_is_one_delivery_with_one_id(sms: HttpSms, standin_url: str) -> None:
    before = await stats(standin_url)
    message = outgoing()
    first = await sms.send(message)
    again = await sms.send(message)  # a resend after a crash between send and record
    assert again.provider_message_id == first.provider_message_id
    assert len(await handset(standin_url, message.to)) == 1
    after = await stats(standin_url)
    assert after["duplicates"] == before.get("duplicates", 0) + 1
    assert after["accepted"] == before["accepted"] + 1


@pytest.mark.parametrize("overrides", [{"secret": "not-the-secret"}, {"key_id": "someone-else"}])
async def test_wrong_credentials_are_a_permanent_configuration_error(
    standin_url: str, overrides: dict[str, str]
) -> None:
    message = outgoing()
    async with HttpSms(settings(standin_url, **overrides)) as wrong:
        with pytest.raises(PermanentFailure, match=r"credentials.*KEPURI_NOTIFICATION_SMS_SECRET"):
            await wrong.send(message)
    assert await handset(standin_url, message.to) == []


async def test_an_unsigned_request_is_refused(standin_url: str) -> None:
    body = orjson.dumps({"to": phone(), "text": "hi", "sign": "s", "client_ref": "x"})
    async with httpx.AsyncClient(base_url=standin_url) as client:
        response = await client.post("/v1/messages", content=body)
        replayed_headers = signed_headers(KEY_ID, SECRET, "POST", "/v1/messages", body)
        assert (await client.post("/v1/messages", content=body, headers=replayed_headers)).status_code == 200
        replay = await client.post("/v1/messages", content=body, headers=replayed_headers)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert replay.status_code == 401 and "replay" in replay.json()["message"]


@pytest.mark.parametrize(
    ("ending", "code"),
    [("0000", "invalid_number"), ("0002", "template_rejected"), ("0003", "recipient_opted_out")],
)
async def test_provider_rejections_are_permanent_with_the_reason(
    sms: HttpSms, standin_url: str, ending: str, code: str
) -> None:
    message = outgoing(phone(ending))
    for _ in range(2):  # every time, not only once
        with pytest.raises(PermanentFailure, match=code):
            await sms.send(message)
    assert await handset(standin_url, message.to) == []


@pytest.mark.parametrize(("ending", "status"), [("0001", "503"), ("0005", "429")])
async def test_busy_and_throttled_are_transient_then_the_retry_succeeds(
    sms: HttpSms, standin_url: str, ending: str, status: str
) -> None:
    message = outgoing(phone(ending))
    with pytest.raises(TransientFailure, match=status):
        await sms.send(message)
    sent = await sms.send(message)
    [got] = await handset(standin_url, message.to)
    assert got["message_id"] == sent.provider_message_id


async def test_the_rate_limit_holds_across_concurrent_sends(standin_url: str) -> None:
    n, rate, clock = 11, 20.0, VirtualClock()
    async with HttpSms(settings(standin_url), limiter=clock.limiter(rate, burst=1)) as limited:
        sent = await asyncio.gather(*(limited.send(outgoing()) for _ in range(n)))
    assert len({s.provider_message_id for s in sent}) == n
    assert clock.last_wakeup >= (n - 1) / rate - 1e-9  # the last of n sends waits n - 1 intervals


async def test_a_burst_goes_at_once_then_the_rate_applies(standin_url: str) -> None:
    clock = VirtualClock()
    async with HttpSms(settings(standin_url), limiter=clock.limiter(10.0, burst=4)) as limited:
        await asyncio.gather(*(limited.send(outgoing()) for _ in range(6)))
    assert clock.last_wakeup >= (6 - 4) / 10.0 - 1e-9


async def test_delivery_receipts_arrive_signed_and_verify(sms: HttpSms, sms_receiver: Receiver) -> None:
    message = outgoing()
    sent = await sms.send(message)
    assert sent.provider_message_id is not None
    receipt = await sms_receiver.receipt_for(sent.provider_message_id)
    assert receipt == Receipt(sent.provider_message_id, message.key, delivered=True, error=None)

    off = outgoing(phone("0006"))  # accepted, but the handset is switched off
    sent = await sms.send(off)
    assert sent.provider_message_id is not None
    receipt = await sms_receiver.receipt_for(sent.provider_message_id)
    assert not receipt.delivered and receipt.client_ref == off.key
    assert receipt.error is not None and "switched off" in receipt.error


def receipt_body(message_id: str = "sm-forged") -> bytes:
    return orjson.dumps({"message_id": message_id, "client_ref": "k", "to": phone(), "status": "delivered"})


async def test_forged_or_replayed_callbacks_are_refused(sms: HttpSms, sms_receiver: Receiver) -> None:
    body = receipt_body()
    path = "/v1/sms/receipts"
    with pytest.raises(InvalidCallback, match="signature"):
        sms.verify_receipt(signed_headers(KEY_ID, "guessed", "POST", path, body), body)
    with pytest.raises(InvalidCallback, match="signature"):  # a genuine signature over another body
        sms.verify_receipt(signed_headers(KEY_ID, SECRET, "POST", path, receipt_body("sm-other")), body)
    with pytest.raises(InvalidCallback, match="signature"):  # signed for the inbound path
        sms.verify_receipt(signed_headers(KEY_ID, SECRET, "POST", "/v1/sms/inbound", body), body)
    with pytest.raises(InvalidCallback, match="key id"):
        sms.verify_receipt(signed_headers("intruder", SECRET, "POST", path, body), body)
    with pytest.raises(InvalidCallback, match="missing"):
        sms.verify_receipt({}, body)
    stale = signed_headers(KEY_ID, SECRET, "POST", path, body)
    stale["X-Sms-Timestamp"] = str(int(time.time()) - 3600)
    with pytest.raises(InvalidCallback, match="off"):
        sms.verify_receipt(stale, body)

    genuine = signed_headers(KEY_ID, SECRET, "POST", path, body)
    assert sms.verify_receipt(genuine, body).provider_message_id == "sm-forged"
    with pytest.raises(InvalidCallback, match="replay"):
        sms.verify_receipt(genuine, body)

    forged = signed_headers(KEY_ID, "guessed", "POST", path, body)
    async with httpx.AsyncClient(base_url=sms_receiver.url) as client:
        response = await client.post(path, content=body, headers=forged)
    assert response.status_code == 401 and "sm-forged" not in sms_receiver.receipts


async def test_an_inbound_unsubscribe_is_forwarded_signed(standin_url: str, sms_receiver: Receiver) -> None:
    sender = phone()
    async with httpx.AsyncClient(base_url=standin_url) as client:
        response = await client.post("/v1/inbound/simulate", json={"from": sender, "text": "退订"})
    assert response.status_code == 200, response.text
    assert Inbound(from_phone=sender, text="退订") in sms_receiver.inbound


async def test_a_provider_that_is_down_is_transient() -> None:
    async with HttpSms(settings(f"http://127.0.0.1:{free_port()}")) as down:
        with pytest.raises(TransientFailure, match="unreachable"):
            await down.send(outgoing())


async def test_a_provider_that_hangs_is_transient() -> None:
    slow = FastAPI()

    @slow.post("/v1/messages")
    async def hang() -> dict[str, str]:
        await asyncio.sleep(2)
        return {"message_id": "too-late"}

    async with serving(slow) as url, HttpSms(settings(url, timeout_s=0.2)) as impatient:
        with pytest.raises(TransientFailure, match="timed out"):
            await impatient.send(outgoing())


async def test_odd_provider_answers_are_classified() -> None:
    odd = FastAPI()

    @odd.post("/v1/messages")
    async def no_id() -> dict[str, str]:
        return {}  # accepted or not, nobody knows: a resend with the same client_ref is safe

    async with HttpSms(settings("http://odd"), transport=httpx.ASGITransport(app=odd)) as channel:
        with pytest.raises(TransientFailure, match="without a message_id"):
            await channel.send(outgoing())
    async with HttpSms(settings("http://odd/wrong-prefix"), transport=httpx.ASGITransport(app=odd)) as channel:
        with pytest.raises(PermanentFailure, match="http_404"):
            await channel.send(outgoing())


async def test_the_adapter_also_runs_in_process_over_asgi() -> None:
    app = create_standin(SECRET, KEY_ID, None, failures=FailureRules.none())
    transport = httpx.ASGITransport(app=app)
    async with HttpSms(settings("http://standin"), transport=transport) as in_process:
        sent = await in_process.send(outgoing(phone("0000")))  # no failure rules at all
    assert sent.provider_message_id is not None
    assert app.state.ledger.counts()["accepted"] == 1


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_NOTIFICATION_SMS_BASE_URL", "https://sms.example.cn/api")
    monkeypatch.setenv("KEPURI_NOTIFICATION_SMS_KEY_ID", "LTAI-kepuri")
    monkeypatch.setenv("KEPURI_NOTIFICATION_SMS_SECRET", "s3cret")
    monkeypatch.setenv("KEPURI_NOTIFICATION_SMS_RATE_PER_S", "250")
    configured = SmsSettings()
    assert (configured.base_url, configured.key_id, configured.rate_per_s) == (
        "https://sms.example.cn/api",
        "LTAI-kepuri",
        250.0,
    )
    assert configured.secret.get_secret_value() == "s3cret"

    monkeypatch.delenv("KEPURI_NOTIFICATION_SMS_SECRET")
    monkeypatch.setenv("KEPURI_ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="KEPURI_NOTIFICATION_SMS_SECRET"):
        SmsSettings()


async def test_python_m_serves_the_standin_on_the_configured_port() -> None:
    port = free_port()
    env = {**os.environ, "KEPURI_SMS_STANDIN_PORT": str(port), "KEPURI_SMS_STANDIN_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.notification.standin",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with HttpSms(SmsSettings(base_url=f"http://127.0.0.1:{port}", rate_per_s=0)) as default:
            deadline = time.monotonic() + 20
            while True:  # the default settings speak to the default stand-in
                try:
                    sent = await default.send(outgoing())
                    break
                except TransientFailure:
                    if process.returncode is not None or time.monotonic() > deadline:
                        output = await process.stdout.read() if process.stdout else b""
                        raise AssertionError(f"the stand-in never answered: {output.decode()}") from None
                    await asyncio.sleep(0.1)
        assert sent.provider_message_id is not None
    finally:
        if process.returncode is None:
            process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) is not None
