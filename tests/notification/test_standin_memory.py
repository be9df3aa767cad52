"""The SMS stand-in keeps at most ``max_messages`` messages (``KEPURI_SMS_STANDIN_MAX_MESSAGES``): the
oldest are forgotten, from its client references and from the handsets alike, while what it still
holds keeps working (a resend recognised, every receipt posted, ``/v1/handsets``), and a count per
phone of what it received stays for checks that read every handset (the simulation's)."""

from __future__ import annotations

import httpx
import pytest

from services.notification.channels.base import Sent
from services.notification.channels.sms import HttpSms
from services.notification.standin import FailureRules, create_standin
from services.notification.standin.__main__ import StandinSettings

from .standin_support import KEY_ID, SECRET, Receiver, handset, outgoing, phone, receiver_app, serving, settings, stats


async def test_the_stand_in_forgets_the_oldest_messages_beyond_its_bound() -> None:
    receiver = Receiver()
    async with serving(receiver_app(receiver)) as receiver_url:
        standin = create_standin(
            SECRET,
            KEY_ID,
            f"{receiver_url}/v1/sms/receipts",
            receipt_delay_s=0,
            failures=FailureRules(),
            max_messages=3,
        )
        async with serving(standin) as url, HttpSms(settings(url)) as sms:
            sent = [outgoing(phone()) for _ in range(5)]
            ids = []
            for message in sent:
                outcome = await sms.send(message)
                assert isinstance(outcome, Sent)
                ids.append(outcome.provider_message_id)
            for message_id in ids:
                await receiver.receipt_for(message_id)  # every receipt posted, forgotten or not
            counts = await stats(url)
            assert (counts["messages"], counts["handsets"], counts["forgotten"]) == (3, 3, 2), counts
            assert [await handset(url, m.to) != [] for m in sent] == [False, False, True, True, True]
            again = await sms.send(sent[-1])  # still recognised: no second delivery
            assert isinstance(again, Sent) and again.provider_message_id == ids[-1]
            assert len(await handset(url, sent[-1].to)) == 1
            async with httpx.AsyncClient(base_url=url) as client:
                assert len((await client.get("/v1/handsets")).json()["handsets"]) == 3
                received = (await client.get("/v1/handsets", params={"counts": "true"})).json()["received"]
            assert received == {m.to: 1 for m in sent}, "a count per phone outlives the messages"


def test_the_bound_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEPURI_SMS_STANDIN_MAX_MESSAGES", raising=False)
    assert StandinSettings().max_messages == 100_000
    monkeypatch.setenv("KEPURI_SMS_STANDIN_MAX_MESSAGES", "10")
    assert StandinSettings().max_messages == 10
