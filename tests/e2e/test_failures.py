"""Failure behaviour of the backbone with real processes and a real broker (issue: the event backbone).

- the broker is unreachable: registration keeps accepting, the outbox grows, and everything is
  delivered once, in order per key, when the broker returns;
- a consumer is SIGKILLed mid-stream and restarted: its view equals a clean run's;
- a malformed or unknown event lands on the dead-letter topic with its reason; the consumer goes on.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from harness.events import activity_registered, activity_withdrawn, message
from harness.factories import organizer_headers, prepare_registration
from harness.processes import ServiceProcess
from harness.tansu import TansuBroker
from services.analytics.adapters.tables import overview_activities, overview_provinces
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings
from shared.bus import Message, Record
from shared.bus.factory import bus_from_url
from shared.events import from_record
from shared.events.topics import ACTIVITIES, DEAD_LETTERS
from shared.store import create_engine
from tests.e2e.conftest import Platform, settings_env
from tests.e2e.test_walking_skeleton import activity, overview_when


async def read_topic(bus_url: str, topic: str, expected: int, timeout: float = 30) -> list[Record]:
    """Every record of ``topic`` read by a fresh consumer group, once ``expected`` have arrived."""
    bus = bus_from_url(bus_url, fetch_max_wait_ms=10)
    await bus.start()
    records: list[Record] = []
    try:
        async with bus.subscribe(f"reader-{random.random()}", [topic]) as subscription, asyncio.timeout(timeout):
            while len(records) < expected:
                records.extend(await subscription.poll(5000, 100))
    finally:
        await bus.stop()
    return records


async def test_registration_accepts_while_the_broker_is_down_and_delivers_once_in_order(tmp_path: Path) -> None:
    broker = TansuBroker(log_dir=tmp_path)  # not started: the broker is down
    bus_url = f"kafka://{broker.bootstrap}"
    app = registration_app(build_registration(RegistrationSettings(**settings_env(tmp_path, bus_url))))  # type: ignore[arg-type]
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client,
        ):
            client.headers.update(await organizer_headers(app.state.container))
            relay = app.state.container.backbone.relay
            before = await relay.backlog()  # the campaign's and the unit's events
            created = await asyncio.gather(
                *(client.post("/api/v1/activities", json=activity("610502")) for _ in range(30))
            )
            assert {r.status_code for r in created} == {201}
            ids = [r.json()["id"] for r in created]
            for activity_id in ids[:10]:
                withdrawn = await client.post(
                    f"/api/v1/activities/{activity_id}/withdrawal", json={}, headers={"If-Match": '"1"'}
                )
                assert withdrawn.status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["bus"] != "ok"
            assert await relay.backlog() == before + 30 + 30 + 10  # registrations, their restricted lists, withdrawals

            broker.start()  # the broker returns
            async with asyncio.timeout(60):
                while await relay.backlog():
                    await asyncio.sleep(0.1)
            records = await read_topic(bus_url, ACTIVITIES.name, expected=40)
    finally:
        broker.stop()

    envelopes = [from_record(r) for r in records]
    assert len(envelopes) == 40 and len({e.id for e in envelopes}) == 40
    by_activity: dict[str, list[int]] = defaultdict(list)
    for _record, envelope in sorted(zip(records, envelopes, strict=True), key=lambda p: (p[0].partition, p[0].offset)):
        by_activity[envelope.subject].append(envelope.sequence)
    assert set(by_activity) == set(ids)
    assert all(by_activity[i] == [1, 2] for i in ids[:10])
    assert all(by_activity[i] == [1] for i in ids[10:])


def campaign_events(count: int, seed: int = 7) -> tuple[list[Message], Counter[str]]:
    """Registrations over many provinces, a tenth of them later withdrawn, and the expected count."""
    rng = random.Random(seed)
    messages: list[Message] = []
    expected: Counter[str] = Counter()
    for _ in range(count):
        province = rng.choice(["11", "31", "32", "44", "51", "61", "65"])
        registered = activity_registered(region_code=f"{province}0101")
        messages.append(message(registered))
        if rng.random() < 0.1:
            messages.append(message(activity_withdrawn(registered.subject)))
        else:
            expected[province] += 1
    return messages, expected


async def view_of(database: Path) -> tuple[dict[str, int], int]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(overview_provinces.c.province, overview_provinces.c.activities))
            provinces = {p: n for p, n in rows if n}
            seen = len((await connection.execute(select(overview_activities.c.activity_id))).all())
        return provinces, seen
    finally:
        await engine.dispose()


@pytest.mark.parametrize("bus_url", ["embedded", "kafka"], indirect=True)
async def test_a_consumer_killed_mid_stream_ends_with_the_view_of_a_clean_run(tmp_path: Path, bus_url: str) -> None:
    messages, expected = campaign_events(30_000)
    bus = bus_from_url(bus_url, default_partitions=3)
    await bus.start()
    for start in range(0, len(messages), 5000):
        await bus.publish(messages[start : start + 5000])
    await bus.stop()

    analytics = ServiceProcess("analytics", tmp_path, bus_url)
    analytics.start()
    try:
        async with httpx.AsyncClient(base_url=analytics.url) as client, asyncio.timeout(60):
            while (await client.get("/api/v1/stats/overview")).json()["total"] == 0:
                await asyncio.sleep(0.005)
        analytics.kill()
        partial, _ = await view_of(tmp_path / "analytics.db")
        analytics.start()
        async with httpx.AsyncClient(base_url=analytics.url) as client, asyncio.timeout(120):
            while (await client.get("/api/v1/stats/overview")).json()["total"] != sum(expected.values()):
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # anything applied twice would show up now
        final, seen = await view_of(tmp_path / "analytics.db")
    finally:
        analytics.stop()
    assert sum(partial.values()) < sum(expected.values()), "the kill came after the stream was consumed"
    assert final == dict(expected)
    assert seen == 30_000


async def test_malformed_and_unknown_events_are_dead_lettered_and_the_consumer_goes_on(platform: Platform) -> None:
    bus = platform.registration_app.state.container.backbone.bus
    good = message(activity_registered())
    await bus.publish(
        [
            Message(ACTIVITIES.name, b"x", b"not even json", good.headers),
            Message(
                ACTIVITIES.name, b"y", good.value, tuple((n, b"nope" if n == "ce_type" else v) for n, v in good.headers)
            ),
        ]
    )
    response = await platform.registration.post("/api/v1/activities", json=activity("310104"))
    assert response.status_code == 201
    await overview_when(platform, 1)
    # every group reading the activities topic dead-letters both: analytics' overview and facts, registration's
    # directory and showcase
    groups = {b"analytics.overview", b"analytics.facts", b"registration.directory", b"registration.showcase"}
    dead = await read_topic(platform.bus_url, DEAD_LETTERS.name, expected=2 * len(groups))
    assert {r.header("kepuri_dlq_group") for r in dead} == groups
    for group in groups:
        reasons = sorted(
            (r.header("kepuri_dlq_error") or b"").decode() for r in dead if r.header("kepuri_dlq_group") == group
        )
        assert reasons[0].startswith("MalformedEvent: data is not JSON")
        assert reasons[1].startswith("UnknownEventType: unknown event type 'nope'")


async def test_kepuri_up_stops_cleanly_and_keeps_every_record(tmp_path: Path) -> None:
    from harness.platform import DEFAULT_PORTS
    from harness.ports import free_port

    ports = {f"KEPURI_{name.upper()}_PORT": str(free_port()) for name, _ in DEFAULT_PORTS}
    ports |= {f"KEPURI_{name.upper()}_BACKGROUND_PORT": str(free_port()) for name, _ in DEFAULT_PORTS}  # --workers > 1
    ports["KEPURI_SMS_STANDIN_PORT"] = str(free_port())
    ports["KEPURI_SITE_PORT"] = str(free_port())
    registration = f"http://127.0.0.1:{ports['KEPURI_REGISTRATION_PORT']}"
    analytics = f"http://127.0.0.1:{ports['KEPURI_ANALYTICS_PORT']}"

    headers = await prepare_registration(RegistrationSettings(data_dir=tmp_path))

    async def run_once(post: bool) -> tuple[int, str]:
        import os
        import sys

        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "up", "--data-dir", str(tmp_path),
            env={**os.environ, **ports}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert process.stdout is not None
        output = b""
        try:
            async with asyncio.timeout(90):
                while b"kepuri: running" not in output:
                    line = await process.stdout.readline()
                    assert line, output.decode()
                    output += line
            async with httpx.AsyncClient() as client:
                if post:
                    created = await client.post(
                        f"{registration}/api/v1/activities", json=activity("610502"), headers=headers
                    )
                    assert created.status_code == 201
                async with asyncio.timeout(30):
                    while (await client.get(f"{analytics}/api/v1/stats/overview")).json()["total"] != 1:
                        await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                process.terminate()
        rest, _ = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, (output + rest).decode()

    code, output = await run_once(post=True)
    assert code == 0, output
    assert "kepuri: stopped" in output and registration in output
    code, output = await run_once(post=False)  # the record is still there after a restart
    assert code == 0, output
