"""Process roles end to end: replicas of every role on PostgreSQL and Kafka, and ``kepuri up --workers``
on SQLite and the embedded log.

Two api and two background processes of registration and of analytics share one PostgreSQL database
each and one tansu broker: every activity registered through either api process is published exactly
once (one relay leads per outbox), applied exactly once by each consumer group however the two
background processes share the partitions, and no request fails. Then ``kepuri up --workers 2`` runs
each service as its api role (two workers) and its background role on SQLite files and the embedded
log: each prints its address, each is ready by its own checks, an event crosses from one service's
api process to another's background process, and the api's metrics cover both workers.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from harness.factories import activity_body, prepare_registration
from harness.kepuri_up import kepuri_up
from harness.launcher import Process, launch, stop_all, wait_healthy
from harness.ports import free_port
from harness.postgres import EmbeddedPostgres, create_database
from harness.tansu import TansuBroker
from services.registration.adapters.tables import metadata as registration_tables
from services.registration.settings import RegistrationSettings
from shared.bus import Record
from shared.bus.factory import bus_from_url
from shared.events import from_record
from shared.events.topics import ACTIVITIES
from shared.store import create_engine

ACTIVITY_COUNT = 24
BOUND_S = 90.0  # a bound on waiting, so a lost event fails the test instead of hanging it


class Role:
    """``python -m services.<service> --role <role>`` on a free port, its output in a file."""

    def __init__(self, service: str, role: str, index: int, env: dict[str, str], data_dir: Path) -> None:
        self.service, self.role = service, role
        self.name = f"{service}-{role}-{index}"
        self.port = free_port()
        variable = f"KEPURI_{service.upper()}_{'BACKGROUND_PORT' if role == 'background' else 'PORT'}"
        self.env = {**env, variable: str(self.port)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"{self.name}.log"
        self.process: Process | None = None

    def start(self) -> Process:
        self.process = launch(
            [sys.executable, "-m", f"services.{self.service}", "--role", self.role], self.env, self.log_path
        )
        return self.process

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TansuBroker]:
    with TansuBroker(log_dir=tmp_path) as broker:  # the services' topics are fixed: a broker of its own
        yield broker


def metric_sums(text: str, name: str, **labels: str) -> dict[str, float]:
    """``name``'s samples matching ``labels``, summed per consumer group (or per service)."""
    sums: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                sums[sample.labels.get("group", sample.labels.get("service", ""))] += sample.value
    return dict(sums)


async def read_topic(bus_url: str, topic: str, expected: int) -> list[Record]:
    """Everything on ``topic``, read as a new consumer group, waiting for ``expected`` records and then
    a little longer (a record published twice would show there)."""
    bus = bus_from_url(bus_url, default_partitions=3)
    await bus.start()
    records: list[Record] = []
    try:
        async with bus.subscribe(f"test-reader-{os.getpid()}-{time.monotonic_ns()}", [topic]) as subscription:
            async with asyncio.timeout(BOUND_S):
                while len(records) < expected:
                    records += await subscription.poll(timeout_ms=200)
            for _ in range(5):
                records += await subscription.poll(timeout_ms=200)
    finally:
        await bus.stop()
    return records


async def count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(select(func.count()).select_from(registration_tables.tables[table])) or 0
            )
    finally:
        await engine.dispose()


async def unpublished(url: str) -> tuple[int, int]:
    """(rows of the activities topic in the outbox, of them not yet published)."""
    outbox = registration_tables.tables["outbox"]
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            on_topic = outbox.c.topic == ACTIVITIES.name
            total = await connection.scalar(select(func.count()).select_from(outbox).where(on_topic))
            waiting = await connection.scalar(
                select(func.count()).select_from(outbox).where(on_topic, outbox.c.published_at.is_(None))
            )
            return int(total or 0), int(waiting or 0)
    finally:
        await engine.dispose()


async def test_two_api_and_two_background_processes_per_service_publish_and_apply_every_event_once(
    tmp_path: Path, postgres_server: EmbeddedPostgres, broker: TansuBroker
) -> None:
    suffix = os.urandom(4).hex()
    registration_db = await create_database(postgres_server, f"roles_registration_{suffix}")
    analytics_db = await create_database(postgres_server, f"roles_analytics_{suffix}")
    vault_db = await create_database(postgres_server, f"roles_keys_{suffix}")
    bus_url = f"kafka://{broker.bootstrap}"
    headers = await prepare_registration(
        RegistrationSettings(
            data_dir=tmp_path, environment="test", database_url=registration_db, key_vault_url=vault_db
        )
    )
    env = {
        **os.environ,
        "KEPURI_ENVIRONMENT": "test",
        "KEPURI_DATA_DIR": str(tmp_path),
        "KEPURI_BUS_URL": bus_url,
        "KEPURI_TOPIC_PARTITIONS": "3",
        "KEPURI_KAFKA_FETCH_MAX_WAIT_MS": "10",
        "KEPURI_RELAY_TAKEOVER_S": "1",
        "KEPURI_REGISTRATION_DATABASE_URL": registration_db,
        "KEPURI_ANALYTICS_DATABASE_URL": analytics_db,
        "KEPURI_KEY_VAULT_URL": vault_db,
    }
    roles = [
        Role(s, r, i, env, tmp_path)
        for s in ("registration", "analytics")
        for r in ("api", "background")
        for i in (1, 2)
    ]
    jwks = f"{roles[0].url}/api/v1/auth/jwks.json"
    for role in roles:
        role.env["KEPURI_ANALYTICS_JWKS_URL"] = jwks
    processes = {role.name: role.start() for role in roles}  # all at once: they migrate at once too
    try:
        late = wait_healthy({r.name: f"{r.url}/readyz" for r in roles}, processes, timeout=BOUND_S, interval=0.2)
        assert not late, "\n".join(f"--- {r.name}\n{r.output()[-3000:]}" for r in roles if r.name in late)
        apis = [r for r in roles if r.service == "registration" and r.role == "api"]
        async with httpx.AsyncClient(timeout=60) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"{apis[n % 2].url}/api/v1/activities",
                        json=activity_body(name=f"科普活动 {n}"),
                        headers=headers,
                    )
                    for n in range(ACTIVITY_COUNT)
                )
            )
            assert [a.status_code for a in answers] == [201] * ACTIVITY_COUNT, [
                a.text for a in answers if a.status_code != 201
            ]
            ids = {a.json()["id"] for a in answers}
            analytics = [r for r in roles if r.service == "analytics" and r.role == "api"]
            async with asyncio.timeout(BOUND_S):  # counted once each, whichever api process answers
                for api in analytics:
                    while (await client.get(f"{api.url}/api/v1/stats/overview")).json()["total"] != ACTIVITY_COUNT:
                        await asyncio.sleep(0.1)
            rows, _ = await unpublished(registration_db)
            records = await read_topic(bus_url, ACTIVITIES.name, rows)
            assert await unpublished(registration_db) == (rows, 0)
            published = Counter(from_record(record).id for record in records)
            assert len(published) == rows and set(published.values()) == {1}, "an outbox row was published twice"
            assert {from_record(record).subject for record in records} >= ids
            backgrounds = [r for r in roles if r.role == "background"]
            texts = {r.name: (await client.get(f"{r.url}/metrics")).text for r in backgrounds}
        relayed = [
            sum(metric_sums(texts[r.name], "kepuri_outbox_published_total", service="registration").values())
            for r in backgrounds
            if r.service == "registration"
        ]
        assert sorted(relayed)[0] == 0 and sorted(relayed)[1] >= rows  # one relay leads; the other waits for the lock
        for service in ("registration", "analytics"):
            applied: Counter[str] = Counter()
            for r in backgrounds:
                if r.service == service:
                    applied.update(metric_sums(texts[r.name], "kepuri_consumer_events_total", topic=ACTIVITIES.name))
            assert applied and set(applied.values()) == {float(rows)}, (service, applied, rows)
        listed = await count(registration_db, "directory_activities")
        assert listed == ACTIVITY_COUNT
    finally:
        killed = stop_all(processes, grace=30)
    assert not killed, killed  # every one stopped gracefully on SIGTERM
    for role in roles:
        assert "Traceback" not in role.output(), role.output()[-3000:]


def test_kepuri_up_with_workers_runs_an_api_and_a_background_process_per_service(tmp_path: Path) -> None:
    data = tmp_path / "data"
    headers = asyncio.run(prepare_registration(RegistrationSettings(data_dir=data, environment="test")))
    with kepuri_up(data, timeout_s=400, workers=2) as up:
        printed = up.output()
        for name, port in up.ports.items():
            assert f"http://127.0.0.1:{port}" in printed, (name, printed)
        with httpx.Client(timeout=30) as client:
            for name in ("registration", "review", "notification", "analytics"):
                ready = client.get(f"{up.url(name)}/readyz").json()
                assert set(ready["checks"]) == {"database"}, (name, ready)  # the api role never touches the bus
                ready = client.get(f"{up.url(f'{name}-background')}/readyz").json()
                assert set(ready["checks"]) == {"database", "bus"}, (name, ready)
                assert client.get(f"{up.url(f'{name}-background')}/api/v1/campaigns").status_code == 404
            created = client.post(f"{up.site}/api/v1/activities", json=activity_body(), headers=headers)
            assert created.status_code == 201, created.text
            # registration's api -> its relay -> analytics' consumers
            counted = Retrying(
                stop=stop_after_delay(BOUND_S), wait=wait_fixed(0.05), retry=retry_if_result(lambda n: n != 1)
            )
            try:
                counted(lambda: client.get(f"{up.url('analytics')}/api/v1/stats/overview").json()["total"])
            except RetryError:
                pytest.fail(up.output()[-4000:])
            asked = 40
            for _ in range(asked):
                assert client.get(f"{up.url('registration')}/api/v1/campaigns").status_code == 200
            metrics = client.get(f"{up.url('registration')}/metrics").text
            answered = metric_sums(metrics, "kepuri_http_requests_total", route="/campaigns", status="200")
            assert answered == {"registration": float(asked)}  # whichever worker answered, /metrics counts all
    assert "kepuri: stopped" in up.output()
