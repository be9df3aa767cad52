"""Batch sends (``POST /v1/messages/batch``) against the real stand-in: one request, one signature,
one outcome per message in order, classified as a single send's would be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import select

from harness.ports import free_port
from services.notification.adapters.tables import messages
from services.notification.channels.base import (
    BatchChannel,
    Outcome,
    Outgoing,
    PermanentFailure,
    Sent,
    TransientFailure,
)
from services.notification.channels.signing import signed_headers
from services.notification.channels.sms import BATCH_LIMIT, BATCH_PATH, HttpSms

from .conftest import Recorder, Service, campaign, completed, listed, organizer, registered
from .standin_support import KEY_ID, SECRET, VirtualClock, handset, outgoing, phone, serving, settings, stats


async def test_a_batch_answers_each_message_in_order(sms: HttpSms, standin_url: str) -> None:
    assert isinstance(sms, BatchChannel) and sms.batch_size == BATCH_LIMIT
    fine, invalid, busy, rejected = (
        outgoing(),
        outgoing(phone("0000")),
        outgoing(phone("0001")),
        outgoing(phone("0002")),
    )
    before = await stats(standin_url)
    first = await sms.send_batch([fine, invalid, busy, rejected])
    assert isinstance(first[0], Sent) and first[0].provider_message_id
    assert isinstance(first[1], PermanentFailure) and "invalid_number" in str(first[1])
    assert isinstance(first[2], TransientFailure) and "503" in str(first[2])
    assert isinstance(first[3], PermanentFailure) and "template_rejected" in str(first[3])

    again = await sms.send_batch([busy, fine])  # the retry, and a resend after a crash
    assert isinstance(again[0], Sent) and isinstance(again[1], Sent)
    assert again[1].provider_message_id == first[0].provider_message_id
    assert len(await handset(standin_url, fine.to)) == 1 and len(await handset(standin_url, busy.to)) == 1
    assert await handset(standin_url, invalid.to) == [] and await handset(standin_url, rejected.to) == []
    after = await stats(standin_url)
    assert after["batches"] == before.get("batches", 0) + 2
    assert after["accepted"] == before.get("accepted", 0) + 2 and after["duplicates"] == before.get("duplicates", 0) + 1


async def test_a_full_batch_reaches_every_handset_once(sms: HttpSms, standin_url: str) -> None:
    batch = [outgoing() for _ in range(BATCH_LIMIT)]
    outcomes = await sms.send_batch(batch)
    assert all(isinstance(o, Sent) for o in outcomes)
    assert len({o.provider_message_id for o in outcomes if isinstance(o, Sent)}) == BATCH_LIMIT
    for message in batch[:: BATCH_LIMIT // 10]:
        [got] = await handset(standin_url, message.to)
        assert got["client_ref"] == message.key and got["text"] == message.text


async def test_a_batch_larger_than_the_setting_is_refused_before_sending(standin_url: str) -> None:
    async with HttpSms(settings(standin_url, batch_size=3)) as small:
        with pytest.raises(ValueError, match="at most 3"):
            await small.send_batch([outgoing() for _ in range(4)])


def post_batch(messages: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps({"messages": messages})
    return body, signed_headers(KEY_ID, SECRET, "POST", BATCH_PATH, body)


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"to": "13800000000", "text": "hi", "sign": "s", "client_ref": f"r{i}"} for i in range(BATCH_LIMIT + 1)],
        [{"to": "13800000000", "text": "hi", "sign": "s"}],  # no client_ref
        [{"to": "13800000000", "text": "hi", "sign": "s", "client_ref": "ok"}, "not an object"],
    ],
    ids=["empty", "too-many", "missing-field", "not-an-object"],
)
async def test_the_standin_refuses_a_malformed_batch_whole(standin_url: str, messages: list[Any]) -> None:
    before = await stats(standin_url)
    body, headers = post_batch(messages)
    async with httpx.AsyncClient(base_url=standin_url) as client:
        response = await client.post(BATCH_PATH, content=body, headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert (await stats(standin_url)).get("accepted", 0) == before.get("accepted", 0)


async def test_a_batch_refused_whole_gives_every_message_that_failure(standin_url: str) -> None:
    async with HttpSms(settings(standin_url, secret="not-the-secret")) as wrong:
        outcomes = await wrong.send_batch([outgoing(), outgoing()])
    assert all(isinstance(o, PermanentFailure) and "credentials" in str(o) for o in outcomes)
    async with HttpSms(settings(f"http://127.0.0.1:{free_port()}")) as down:
        outcomes = await down.send_batch([outgoing(), outgoing()])
    assert all(isinstance(o, TransientFailure) and "unreachable" in str(o) for o in outcomes)


async def test_odd_batch_answers_are_transient_for_every_message() -> None:
    odd = FastAPI()
    answers: list[tuple[int, Any]] = [(503, {"code": "busy", "message": "later"}), (200, {"results": [{}]}), (200, {})]

    @odd.post(BATCH_PATH)
    async def answer() -> Any:
        status, body = answers.pop(0)
        return JSONResponse(body, status_code=status)

    async with serving(odd) as url, HttpSms(settings(url)) as channel:
        busy = await channel.send_batch([outgoing(), outgoing()])
        assert all(isinstance(o, TransientFailure) and "503" in str(o) for o in busy)
        short = await channel.send_batch([outgoing(), outgoing()])  # one result for two messages
        assert all(isinstance(o, TransientFailure) and "one result per message" in str(o) for o in short)
        empty = await channel.send_batch([outgoing()])
        assert all(isinstance(o, TransientFailure) for o in empty)


async def test_a_batch_takes_as_many_slots_of_the_rate_limit_as_it_has_messages(standin_url: str) -> None:
    clock = VirtualClock()
    async with HttpSms(settings(standin_url), limiter=clock.limiter(20.0, burst=1)) as limited:
        await limited.send_batch([outgoing() for _ in range(5)])
        await limited.send_batch([outgoing() for _ in range(5)])  # waits for the first batch's five slots
    assert clock.last_wakeup >= 5 / 20.0 - 1e-9


@dataclass
class BatchRecorder(Recorder):
    """The channel port in batches of three, recording each batch's size."""

    batch_size: int = 3
    batches: list[int] = field(default_factory=list)

    async def send_batch(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        self.batches.append(len(batch))
        outcomes: list[Outcome] = []
        for message in batch:
            try:
                outcomes.append(await self.send(message))
            except (TransientFailure, PermanentFailure) as exc:
                outcomes.append(exc)
        return outcomes


@pytest.fixture
def recorder() -> Recorder:
    return BatchRecorder()


async def test_the_dispatcher_sends_in_batches_and_records_each_message(service: Service, recorder: Recorder) -> None:
    assert isinstance(recorder, BatchRecorder)
    activity = registered()
    phones = [f"1390000{i:04d}" for i in range(2, 9)] + ["13900000000", "13900000001"]  # 0000 invalid, 0001 busy
    await service.feed(campaign(), activity, listed(activity.subject, *phones), completed(activity.subject))
    assert await service.dispatch() == 9
    assert sorted(recorder.batches) == [3, 3, 3]
    async with service.container.backbone.engine.connect() as connection:
        rows = await connection.execute(select(messages.c.recipient, messages.c.state, messages.c.error))
        states = {r.recipient: (r.state, r.error) for r in rows}
    assert states.pop("13900000000") == ("failed", "invalid number")
    assert states.pop("13900000001") == ("queued", "provider busy (503)")
    assert set(states.values()) == {("sent", None)}
    page = (await service.client.get("/api/v1/messages", headers=organizer())).json()
    assert page["counts"] == {"failed": 1, "queued": 1, "sent": 7}
