"""A thank-you fan-out survives a SIGKILL: the notification service is killed in the middle of sending
1,200 thank-you SMS through the stand-in provider (a real process speaking the provider protocol),
restarted, and in the end every science worker's phone got exactly one message, and every message is
recorded as sent (or delivered) in the ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from harness.events import envelope, message
from harness.ports import free_port
from harness.processes import ServiceProcess
from services.notification.adapters.tables import messages
from shared.bus import TopicSpec, bus_from_url
from shared.events import Envelope, EventPayload
from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.restricted import ScienceWorkerContact, ScienceWorkersListed
from shared.events.topics import ALL_TOPICS
from shared.store import create_engine
from tests.notification.standin_support import standin_process

WORKERS = 1_200


def envelopes(count: int = WORKERS) -> list[Envelope]:
    starts = datetime.now(UTC) - timedelta(days=2)
    activity_id = "crash-test-activity"
    workers = [ScienceWorkerContact(worker_id=f"w{i}", name=f"科学家{i}", phone=f"1390{i:07d}") for i in range(count)]
    campaign = CampaignConfigured(
        campaign_id="2026",
        year=2026,
        title="2026年全国科普日",
        week_starts_on=starts.date(),
        week_ends_on=starts.date(),
    )
    registered = ActivityRegistered(
        activity_id=activity_id,
        campaign_id="2026",
        name="走进科技馆",
        organizer_id="unit-1",
        organizer_name="渭南市科学技术协会",
        region_code="610502",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        format="offline",
    )
    listed = ScienceWorkersListed(activity_id=activity_id, organizer_name="渭南市科学技术协会", workers=workers)
    completed = InfoCompleted(activity_id=activity_id, summary="圆满完成", completeness=0.9)
    payloads: list[tuple[EventPayload, str, int]] = [
        (campaign, "2026", 1),
        (registered, activity_id, 1),
        (listed, activity_id, 1),
        (completed, activity_id, 2),
    ]
    return [envelope(payload, subject, sequence) for payload, subject, sequence in payloads]


async def publish(bus_url: str, count: int = WORKERS) -> None:
    bus = bus_from_url(bus_url)
    await bus.start()
    try:
        await bus.ensure_topics([TopicSpec(t.name, 3) for t in ALL_TOPICS])
        await bus.publish([message(e) for e in envelopes(count)])
    finally:
        await bus.stop()


async def handsets(port: int) -> dict[str, list[object]]:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/v1/handsets")).json()["handsets"]  # type: ignore[no-any-return]


async def ledger_states(data_dir: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'notification.db'}")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(messages.c.state, func.count()).group_by(messages.c.state))
            return {str(state): int(n) for state, n in rows}
    finally:
        await engine.dispose()


async def stats(port: int) -> dict[str, int]:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/v1/stats")).json()  # type: ignore[no-any-return]


async def test_no_duplicate_and_none_missing_after_a_sigkill_in_the_middle_of_a_fan_out(tmp_path: Path) -> None:
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    port = free_port()
    service = ServiceProcess(
        "notification",
        tmp_path,
        bus_url,
        notification_quiet_hours="",  # the test must not depend on the time of day in China
        notification_sms_base_url=f"http://127.0.0.1:{port}",
        notification_sms_rate_per_s="300",
        notification_lease_s="3",
    )
    provider = standin_process(
        port, tmp_path / "standin.log", receipts_url=f"{service.url}/api/v1/sms/receipts", failures="none"
    )
    with provider:
        try:
            service.start()
            await publish(bus_url)
            async with asyncio.timeout(60):  # killed once a part of the fan-out is out
                while len(await handsets(port)) < 200:
                    await asyncio.sleep(0.02)
            service.kill()
            killed_at = len(await handsets(port))
            assert killed_at < WORKERS, "the kill came before the end of the fan-out"
            service.start()
            async with asyncio.timeout(120):  # what was in flight is resent after the lease (3 s here)
                while len(received := await handsets(port)) < WORKERS:
                    await asyncio.sleep(0.2)
            await asyncio.sleep(1)
            received = await handsets(port)
            assert len(received) == WORKERS, "none missing"
            assert all(len(texts) == 1 for texts in received.values()), "no phone got a message twice"
            states = await ledger_states(tmp_path)
            assert sum(states.values()) == WORKERS and set(states) <= {"sent", "delivered"}, states
        finally:
            service.stop()


async def test_no_receipt_is_lost_when_receipts_come_before_the_sends_are_recorded(tmp_path: Path) -> None:
    """The service and the stand-in as OS processes, as ``kepuri up`` runs them; the stand-in posts each
    receipt the moment it accepts a message, so many arrive before the batch's ids are recorded."""
    count = 2_000
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    port = free_port()
    service = ServiceProcess(
        "notification",
        tmp_path,
        bus_url,
        notification_quiet_hours="",
        notification_sms_base_url=f"http://127.0.0.1:{port}",
    )
    receipts_url = f"{service.url}/api/v1/sms/receipts"
    with standin_process(
        port, tmp_path / "standin.log", receipts_url=receipts_url, receipt_delay_s="0", failures="none"
    ):
        try:
            service.start()
            await publish(bus_url, count)
            async with asyncio.timeout(120):  # a bound for a hung run, not a timing claim
                while (n := await stats(port)).get("receipts_sent", 0) + n.get("receipts_failed", 0) < count:
                    await asyncio.sleep(0.2)
                while {"queued", "sending"} & set(states := await ledger_states(tmp_path)):
                    await asyncio.sleep(0.2)
            assert n["receipts_sent"] == count, n
            assert states == {"delivered": count}, states
        finally:
            service.stop()
