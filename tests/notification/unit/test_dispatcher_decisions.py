"""The dispatcher's decisions without a database: what is sent, what is tried again and when, what fails
for good, and the events that say so (fakes of the ledger port and the channels)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from services.notification.domain.delivery import MAX_ATTEMPTS
from services.notification.service.dispatcher import OPTED_OUT, Dispatcher, settle
from services.notification.service.wakeup import WakeUp
from shared.bus import Message
from tests.notification.fakes import (
    NOW,
    FakeBatchChannel,
    FakeChannel,
    FakeDueMessages,
    PermanentFailure,
    TransientFailure,
    claimed,
)


def _event(events: list[Message], index: int = 0) -> tuple[str, dict[str, Any]]:
    """(type, data) of a CloudEvent in binary mode: the type in the headers, the data as the value."""
    message = events[index]
    headers = {name: value.decode() for name, value in message.headers}
    return headers["ce_type"], orjson.loads(message.value)


async def test_a_sent_message_is_recorded_with_its_provider_id_and_a_notification_sent_event() -> None:
    due, channel = FakeDueMessages(claimed("n1")), FakeChannel()
    assert await Dispatcher(due, {"sms": channel}, clock=lambda: NOW).round() == 1
    [settled] = due.recorded
    assert settled.sent == [("n1", "p-n1")] and not settled.retried and not settled.failed
    kind, data = _event(settled.events)
    assert kind == "notification-sent" and data["provider_message_id"] == "p-n1"
    assert data["recipient_masked"] == "138****1234" and [m.key for m in channel.sent] == ["n1"]


async def test_a_transient_failure_is_tried_again_later_each_time_twice_as_late_and_says_nothing() -> None:
    busy = {"13800001234": TransientFailure("provider busy (503)")}
    for attempts, wait in ((1, timedelta(seconds=30)), (2, timedelta(minutes=1)), (4, timedelta(minutes=4))):
        due = FakeDueMessages(claimed(attempts=attempts))
        await Dispatcher(due, {"sms": FakeChannel(failures=busy)}, clock=lambda: NOW).round()
        [settled] = due.recorded
        assert settled.retried == [("n1", NOW + wait, "provider busy (503)")], attempts
        assert not settled.sent and not settled.failed and not settled.events


async def test_the_last_attempt_failing_fails_the_message_for_good_with_its_event() -> None:
    due = FakeDueMessages(claimed(attempts=MAX_ATTEMPTS))
    busy = {"13800001234": TransientFailure("timeout")}
    await Dispatcher(due, {"sms": FakeChannel(failures=busy)}, clock=lambda: NOW).round()
    [settled] = due.recorded
    assert settled.failed == [("n1", "timeout")] and not settled.retried
    kind, data = _event(settled.events)
    assert kind == "notification-failed" and data["permanent"] is True and data["error"] == "timeout"


async def test_a_permanent_failure_fails_at_once_and_an_opted_out_recipient_is_not_sent_to() -> None:
    due = FakeDueMessages(claimed("bad", to="13800000000"), claimed("out", to="13900001111", opted_out=True))
    channel = FakeChannel(failures={"13800000000": PermanentFailure("invalid number")})
    await Dispatcher(due, {"sms": channel}, clock=lambda: NOW).round()
    [settled] = due.recorded
    assert settled.failed == [("bad", "invalid number"), ("out", OPTED_OUT)]
    assert channel.sent == [] and len(settled.events) == 2


async def test_a_channel_not_configured_fails_and_a_channel_bug_is_retried() -> None:
    class Broken(FakeChannel):
        async def send(self, message):  # type: ignore[no-untyped-def]
            raise RuntimeError("adapter bug")

    due = FakeDueMessages(claimed("mail", channel="email"), claimed("sms"))
    await Dispatcher(due, {"sms": Broken()}, clock=lambda: NOW).round()
    [settled] = due.recorded
    assert settled.failed == [("mail", "no channel 'email' is configured")]
    assert settled.retried == [("sms", NOW + timedelta(seconds=30), "RuntimeError: adapter bug")]


async def test_a_batch_channel_gets_the_messages_in_requests_of_its_batch_size() -> None:
    due = FakeDueMessages(*(claimed(f"n{i}", to=f"1380000{i:04d}") for i in range(1, 8)))
    channel = FakeBatchChannel(batch_size=3)
    assert await Dispatcher(due, {"sms": channel}, clock=lambda: NOW).round() == 7
    assert sorted(len(r) for r in channel.requests) == [1, 3, 3]
    assert len(due.recorded[0].sent) == 7


async def test_nothing_due_records_nothing_and_a_round_claims_at_most_its_batch() -> None:
    due = FakeDueMessages()
    assert await Dispatcher(due, {"sms": FakeChannel()}, clock=lambda: NOW).round() == 0
    assert due.recorded == []
    due = FakeDueMessages(*(claimed(f"n{i}") for i in range(5)))
    assert await Dispatcher(due, {"sms": FakeChannel()}, batch=2, clock=lambda: NOW).round() == 2
    assert len(due.due) == 3


def test_settle_keeps_the_order_and_the_campaign_of_each_event() -> None:
    settled = settle([claimed("a"), claimed("b", campaign="2027")], [PermanentFailure("x"), PermanentFailure("y")], NOW)
    assert [key for key, _ in settled.failed] == ["a", "b"]
    assert [dict(m.headers)["ce_campaign"] for m in settled.events] == [b"2026", b"2027"]


async def test_the_wake_up_signal_set_by_a_planner_reaches_the_dispatcher() -> None:
    wake = WakeUp()
    dispatcher = Dispatcher(FakeDueMessages(), {}, wake=wake)
    dispatcher.wake()
    await wake.wait(timeout_s=60)  # returns at once: it was set
    wake.clear()
    await wake.wait(timeout_s=0)  # not set: gives up after the timeout
