"""A delivery receipt is never lost, whatever arrives first: the receipt or the record of the send.

The provider may post a receipt before the dispatcher has recorded the provider's message id (the
send's answer and the receipt race; a crash between sending and recording makes the gap minutes).
Such a receipt is kept (``pending_receipts``) and applied in the transaction that records the id.
Each ordering is forced here: the channel (the real adapter, to the stand-in, subclassed) posts the
receipt through the service's signed callback *before* handing the send's outcome back to the
dispatcher, or the test posts it after the round. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from services.notification.adapters.receipts import sweep
from services.notification.adapters.tables import messages, pending_receipts
from services.notification.channels.base import Outcome, Outgoing, Sent
from services.notification.channels.signing import signed_headers
from services.notification.channels.sms import DEV_KEY_ID, DEV_SECRET, HttpSms, SmsSettings
from services.notification.standin import FailureRules, create_standin
from shared.store import sync_transaction

from .conftest import Clock, Service, campaign, completed, listed, registered, start

RECEIPTS = "/api/v1/sms/receipts"
Hook = Callable[[list[Sent]], Awaitable[None]]


class ReceiptsFirst(HttpSms):
    """The real adapter, which lets ``hook`` run (post the receipts) before the dispatcher hears of the sends."""

    hook: Hook | None = None

    async def send(self, message: Outgoing) -> Sent:
        sent = await super().send(message)
        if self.hook is not None:
            await self.hook([sent])
        return sent

    async def send_batch(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        outcomes = await super().send_batch(batch)
        if self.hook is not None:
            await self.hook([o for o in outcomes if isinstance(o, Sent)])
        return outcomes


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
async def provider() -> AsyncIterator[ReceiptsFirst]:
    standin = create_standin(DEV_SECRET, DEV_KEY_ID, None, failures=FailureRules())
    async with ReceiptsFirst(SmsSettings(base_url="http://standin"), transport=httpx.ASGITransport(app=standin)) as sms:
        yield sms


@pytest.fixture
async def wired(tmp_path: Path, database: str, provider: ReceiptsFirst) -> AsyncIterator[Service]:
    clock = Clock()
    app = start(tmp_path, database, {"sms": provider}, clock)
    async with app.router.lifespan_context(app):
        await app.state.container.dispatcher.stop()  # the test runs the rounds
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield Service(app, client, clock)


async def post_receipt(service: Service, provider_id: str, status: str = "delivered", error: str | None = None) -> None:
    body = orjson.dumps({"message_id": provider_id, "status": status, "error": error})
    headers = {**signed_headers(DEV_KEY_ID, DEV_SECRET, "POST", RECEIPTS, body), "Content-Type": "application/json"}
    answer = await service.client.post(RECEIPTS, content=body, headers=headers)
    assert answer.status_code == 204, answer.text


async def thank(service: Service, *phones: str) -> None:
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, *phones))
    await service.feed(completed(activity.subject))


async def ledger(service: Service) -> dict[str, tuple[str, str | None, str | None]]:
    m = messages
    async with service.container.backbone.engine.connect() as connection:
        rows = await connection.execute(select(m.c.recipient, m.c.state, m.c.provider_message_id, m.c.error))
        return {r.recipient: (r.state, r.provider_message_id, r.error) for r in rows}


async def kept(service: Service) -> int:
    async with service.container.backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(pending_receipts)) or 0)


async def test_a_receipt_before_the_id_is_recorded_is_applied_when_it_is(
    wired: Service, provider: ReceiptsFirst
) -> None:
    async def receipts_first(sent: list[Sent]) -> None:
        for outcome in sent:
            await post_receipt(wired, outcome.provider_message_id)
        assert {state for state, _, _ in (await ledger(wired)).values()} == {"sending"}, "nothing recorded yet"
        assert await kept(wired) == len(sent)

    provider.hook = receipts_first
    await thank(wired, "13900001111", "13900002222")
    assert await wired.dispatch() == 2
    states = await ledger(wired)
    assert {state for state, _, _ in states.values()} == {"delivered"}, states
    assert all(provider_id for _, provider_id, _ in states.values())
    assert await kept(wired) == 0, "applied receipts are not kept"


async def test_a_failed_receipt_before_the_id_is_recorded_fails_the_message(
    wired: Service, provider: ReceiptsFirst
) -> None:
    async def undelivered(sent: list[Sent]) -> None:
        await post_receipt(wired, sent[0].provider_message_id, "failed", "UNDELIVERED: 用户关机")

    provider.hook = undelivered
    await thank(wired, "13900003333")
    await wired.dispatch()
    state, _, error = (await ledger(wired))["13900003333"]
    assert (state, error) == ("failed", "UNDELIVERED: 用户关机")


async def test_a_receipt_after_the_id_is_recorded_is_applied_at_once(wired: Service) -> None:
    await thank(wired, "13900004444")
    await wired.dispatch()
    state, provider_id, _ = (await ledger(wired))["13900004444"]
    assert state == "sent" and provider_id
    await post_receipt(wired, provider_id)
    assert (await ledger(wired))["13900004444"][0] == "delivered"
    assert await kept(wired) == 0


async def test_a_duplicated_receipt_is_applied_once_in_either_order(wired: Service, provider: ReceiptsFirst) -> None:
    async def twice(sent: list[Sent]) -> None:
        for outcome in sent:
            await post_receipt(wired, outcome.provider_message_id)
            await post_receipt(wired, outcome.provider_message_id, "failed", "a late contradiction")
        assert await kept(wired) == len(sent), "one kept receipt per message id: the first"

    provider.hook = twice
    await thank(wired, "13900005555")
    await wired.dispatch()
    state, provider_id, error = (await ledger(wired))["13900005555"]
    assert (state, error) == ("delivered", None)
    assert provider_id is not None
    await post_receipt(wired, provider_id)  # once more, now that it is recorded: nothing changes
    await post_receipt(wired, provider_id, "failed", "late")
    assert (await ledger(wired))["13900005555"] == ("delivered", provider_id, None)
    assert await kept(wired) == 0, "a receipt for a message already settled is not kept"


async def test_a_receipt_for_an_id_that_never_comes_is_kept_only_for_the_retention(wired: Service) -> None:
    await post_receipt(wired, "sm-never-sent-1")
    await post_receipt(wired, "sm-never-sent-2")
    assert await kept(wired) == 2
    engine, now = wired.container.backbone.engine, wired.clock()
    day = timedelta(days=1)
    assert await sync_transaction(engine, lambda c: sweep(c, now, retention=day, keep_at_most=10)) == 0
    assert await kept(wired) == 2, "kept within the retention"
    assert await sync_transaction(engine, lambda c: sweep(c, now, retention=day, keep_at_most=1)) == 1
    assert await kept(wired) == 1, "never more than keep_at_most"
    later = now + day + timedelta(seconds=1)
    assert await sync_transaction(engine, lambda c: sweep(c, later, retention=day, keep_at_most=10)) == 1
    assert await kept(wired) == 0, "dropped after the retention"
