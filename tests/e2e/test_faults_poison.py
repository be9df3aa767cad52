"""Fault 6: malformed events published to EVERY topic, with all four services consuming, on both buses.

Each topic gets a record that is not JSON and one of an unknown type. Every consumer group reading
the topic dead-letters both, naming its group, the topic and the error, moves past them, and goes on:
a registration made afterwards reaches analytics and the public directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from harness.events import activity_registered, message
from harness.factories import activity_body, organizer_headers
from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification_app
from services.notification.settings import NotificationSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration
from services.registration.settings import RegistrationSettings
from services.review.bootstrap import build as review_build
from services.review.bootstrap import create_app as review_app
from services.review.settings import ReviewSettings
from shared.bus import Message
from shared.events.topics import ALL_TOPICS, DEAD_LETTERS
from tests.e2e.conftest import settings_env
from tests.e2e.test_failures import read_topic
from tests.fixtures.invariants import analytics_totals

SERVICES: dict[str, tuple[Any, Any]] = {
    "registration": (lambda settings: registration(build_registration(settings)), RegistrationSettings),
    "review": (lambda settings: review_app(review_build(settings)), ReviewSettings),
    "notification": (lambda settings: notification_app(build_notification(settings)), NotificationSettings),
    "analytics": (lambda settings: analytics_app(analytics_build(settings)), AnalyticsSettings),
}


@pytest.fixture
async def apps(tmp_path: Path, bus_url: str) -> AsyncIterator[dict[str, FastAPI]]:
    async with AsyncExitStack() as stack:
        started = {}
        for name, (create, settings) in SERVICES.items():
            app: FastAPI = create(settings(**settings_env(tmp_path, bus_url)))
            await stack.enter_async_context(app.router.lifespan_context(app))
            started[name] = app
        for app in started.values():  # every consumer has joined its group before the poison
            async with asyncio.timeout(30):
                while not app.state.container.backbone.bus_ready.is_set():
                    await asyncio.sleep(0.05)
        yield started


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri")


async def test_every_group_dead_letters_poison_on_every_topic_and_goes_on(
    apps: dict[str, FastAPI], bus_url: str
) -> None:
    readers: dict[str, set[str]] = {}  # topic -> the consumer groups reading it
    for app in apps.values():
        backbone = app.state.container.backbone
        for consumer in backbone.consumers:
            for topic in consumer.projection.topics:
                readers.setdefault(topic, set()).add(consumer.group)
    topics = [t.name for t in ALL_TOPICS if t.name != DEAD_LETTERS.name]
    assert set(readers) <= set(topics)

    good = message(activity_registered())
    unknown = tuple((n, b"nope" if n == "ce_type" else v) for n, v in good.headers)
    poison = [
        m
        for t in topics
        for m in (Message(t, b"x", b"not even json", good.headers), Message(t, b"y", good.value, unknown))
    ]
    await apps["registration"].state.container.backbone.bus.publish(poison)

    expected = sum(2 * len(groups) for groups in readers.values())
    dead = await read_topic(bus_url, DEAD_LETTERS.name, expected=expected, timeout=60)
    assert len(dead) == expected
    for topic in topics:
        on_topic = [r for r in dead if r.header("kepuri_dlq_topic") == topic.encode()]
        assert {(r.header("kepuri_dlq_group") or b"").decode() for r in on_topic} == readers.get(topic, set()), topic
        for group in readers.get(topic, set()):
            reasons = sorted(
                (r.header("kepuri_dlq_error") or b"").decode()
                for r in on_topic
                if r.header("kepuri_dlq_group") == group.encode()
            )
            assert reasons[0].startswith("MalformedEvent: data is not JSON"), (topic, group, reasons)
            assert reasons[1].startswith("UnknownEventType: unknown event type 'nope'"), (topic, group, reasons)

    async with _client(apps["registration"]) as r, _client(apps["analytics"]) as a:
        r.headers.update(await organizer_headers(apps["registration"].state.container))
        created = await r.post("/api/v1/activities", json=activity_body(region_code="610502"))
        assert created.status_code == 201
        async with asyncio.timeout(30):  # the groups went on past the poison
            while await analytics_totals(a) != (1, 1):
                await asyncio.sleep(0.1)
            while (await r.get(f"/api/v1/directory/activities/{created.json()['id']}")).status_code != 200:
                await asyncio.sleep(0.05)
