"""The notification service in this process on a real database, with its planner fed the streams it
reads (as its consumer would) and a clock the tests move. Channels are given per test: the SMS
stand-in speaking the provider protocol, or a recorder of the channel port for the dispatcher's rules."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from harness.events import delivery
from services.notification.bootstrap import build, create_app
from services.notification.channels.base import Outgoing, PermanentFailure, Sent, TransientFailure
from services.notification.channels.sms import HttpSms
from services.notification.container import Notification
from services.notification.settings import NotificationSettings
from services.notification.standin import FailureRules, create_standin
from shared.auth import Principal, TokenVerifier, generate_private_key_pem, public_key_pem, sign_token
from shared.events import CATALOG, Envelope, EventPayload
from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.restricted import ScienceWorkerContact, ScienceWorkersListed
from shared.store import sync_transaction

from .standin_support import KEY_ID, SECRET, Receiver, receiver_app, serving, settings

KEY = generate_private_key_pem()
_sequences: dict[str, itertools.count[int]] = {}
# 2026-09-20 10:00 China time: inside the day, outside quiet hours
DAYTIME = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)


def headers(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_token(KEY, principal)}"}


def organizer(unit_id: str = "unit-1") -> dict[str, str]:
    return headers(Principal(f"account-{unit_id}", "organizer", unit_id=unit_id))


def admin() -> dict[str, str]:
    return headers(Principal("admin-1", "admin"))


def envelope(payload: EventPayload, subject: str) -> Envelope:
    counter = _sequences.setdefault(subject, itertools.count(1))
    return CATALOG.envelope(payload, subject=subject, sequence=next(counter), source="/tests")


def campaign(campaign_id: str = "2026", title: str = "2026年全国科普日", **fields: Any) -> Envelope:
    values: dict[str, Any] = {
        "campaign_id": campaign_id,
        "year": 2026,
        "title": title,
        "week_starts_on": "2026-09-15",
        "week_ends_on": "2026-09-21",
    }
    values.update(fields)
    return envelope(CampaignConfigured(**values), campaign_id)


def registered(activity_id: str | None = None, unit_id: str = "unit-1", **fields: Any) -> Envelope:
    activity_id = activity_id or uuid.uuid4().hex
    starts = datetime(2026, 9, 16, 1, 0, tzinfo=UTC)
    values: dict[str, Any] = {
        "activity_id": activity_id,
        "campaign_id": "2026",
        "name": "走进科技馆",
        "organizer_id": unit_id,
        "organizer_name": "渭南市科学技术协会",
        "region_code": "610502",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "format": "offline",
    }
    values.update(fields)
    return envelope(ActivityRegistered(**values), activity_id)


def listed(activity_id: str, *phones: str, organizer_name: str = "渭南市科学技术协会") -> Envelope:
    workers = [
        ScienceWorkerContact(worker_id=f"w{i}", name=f"科学家{i}", phone=phone, organisation="西北农林科技大学")
        for i, phone in enumerate(phones)
    ]
    payload = ScienceWorkersListed(activity_id=activity_id, organizer_name=organizer_name, workers=workers)
    return envelope(payload, f"list:{activity_id}")


def completed(activity_id: str) -> Envelope:
    return envelope(InfoCompleted(activity_id=activity_id, summary="圆满完成", completeness=0.8), activity_id)


@dataclass
class Clock:
    now: datetime = DAYTIME

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Recorder:
    """The channel port, recording what it is asked to send; failures by the number's last digits."""

    name: str = "sms"
    sent: list[Outgoing] = field(default_factory=list)
    transient_once: set[str] = field(default_factory=set)

    async def send(self, message: Outgoing) -> Sent:
        if message.to.endswith("0000"):
            raise PermanentFailure("invalid number")
        if message.to.endswith("0001") and message.to not in self.transient_once:
            self.transient_once.add(message.to)
            raise TransientFailure("provider busy (503)")
        self.sent.append(message)
        return Sent(f"p-{len(self.sent)}")


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    clock: Clock

    @property
    def container(self) -> Notification:
        return self.app.state.container

    async def feed(self, *envelopes: Envelope) -> None:
        """Apply events to each planner that reads their topic, as its consumer would (one batch each)."""
        deliveries = [delivery(e) for e in envelopes]
        for consumer in self.container.backbone.consumers:
            planner = consumer.projection
            mine = [d for d in deliveries if d.record.topic in planner.topics]
            if mine:
                await sync_transaction(self.container.backbone.engine, lambda c, p=planner, m=mine: p.apply(c, m))

    async def dispatch(self) -> int:
        """Run dispatcher rounds until nothing is due now; how many messages were handled."""
        handled = 0
        while n := await self.container.dispatcher.round():
            handled += n
        return handled


def start(tmp_path: Path, database: str, channels: dict[str, Any], clock: Clock) -> FastAPI:
    settings = NotificationSettings(
        data_dir=tmp_path, database_url=database, bus_url=f"embedded:{tmp_path / 'bus.db'}", environment="test"
    )
    return create_app(build(settings, verifier=TokenVerifier(public_key_pem(KEY)), channels=channels, clock=clock))


@pytest.fixture(params=["sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def service(tmp_path: Path, database: str, recorder: Recorder) -> AsyncIterator[Service]:
    clock = Clock()
    app = start(tmp_path, database, {"sms": recorder}, clock)
    async with app.router.lifespan_context(app):
        await app.state.container.dispatcher.stop()  # tests run rounds themselves, on their clock
        await app.state.container.reminders.stop()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield Service(app, client, clock)


# --- the SMS stand-in, served by uvicorn (one per test module) ---


@pytest_asyncio.fixture(scope="module")
async def sms_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    async with serving(receiver_app(receiver)) as url:
        receiver.url = url
        yield receiver


@pytest_asyncio.fixture(scope="module")
async def standin_url(sms_receiver: Receiver) -> AsyncIterator[str]:
    app = create_standin(
        SECRET,
        KEY_ID,
        f"{sms_receiver.url}/v1/sms/receipts",
        receipt_delay_s=0.05,
        failures=FailureRules(),
        inbound_url=f"{sms_receiver.url}/v1/sms/inbound",
    )
    async with serving(app) as url:
        yield url


@pytest_asyncio.fixture
async def sms(standin_url: str) -> AsyncIterator[HttpSms]:
    async with HttpSms(settings(standin_url)) as channel:
        yield channel
