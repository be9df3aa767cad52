"""Check-ins (打卡) and feedback from the anonymous public: the rules, the rate limit, and the event
each accepted request leaves in the outbox, with no client address in it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.registration.adapters.tables import metadata
from shared.bus.message import decode_headers
from shared.events import Envelope
from shared.events.topics import PARTICIPATION

from .conftest import Service
from .directory_support import configured, feed, registered, rejected

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
URL = "/api/v1/directory/activities"
VISITOR = "203.0.113.7"


@asynccontextmanager
async def visitor(service: Service, address: str = VISITOR) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling from ``address``."""
    transport = httpx.ASGITransport(app=service.app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://kepuri") as client:
        yield client


async def public(service: Service, *envelopes: Envelope) -> list[str]:
    earliest = min(e.time for e in envelopes) - timedelta(days=1)
    await feed(service.container.backbone.engine, configured(auto_approve=True, at=earliest), *envelopes)
    return [e.subject for e in envelopes]


async def participation_outbox(service: Service) -> list[dict[str, Any]]:
    t = metadata.tables["outbox"]
    async with service.container.backbone.engine.connect() as connection:
        rows = await connection.execute(
            select(t.c.key, t.c.headers, t.c.value).where(t.c.topic == PARTICIPATION.name).order_by(t.c.id)
        )
        return [
            {
                "key": row.key.decode(),
                "headers": {name: value.decode() for name, value in decode_headers(row.headers)},
                "raw": row.headers + row.value.decode(),
                "data": json.loads(row.value),
            }
            for row in rows
        ]


@BOTH
async def test_a_check_in_is_one_event_in_the_outbox_without_the_client_address(service: Service) -> None:
    today, other = await public(
        service, registered(starts_in=timedelta(hours=-1)), registered(starts_in=timedelta(minutes=-5))
    )
    async with visitor(service) as client:
        first = await client.post(f"{URL}/{today}/check-ins")
        again = await client.post(f"{URL}/{today}/check-ins")
        elsewhere = await client.post(f"{URL}/{other}/check-ins")
    assert [r.status_code for r in (first, again, elsewhere)] == [202, 202, 202]
    events = await participation_outbox(service)
    assert [e["headers"]["ce_id"] for e in events] == [r.json()["event_id"] for r in (first, again, elsewhere)]
    assert all(e["headers"]["ce_type"] == "participation-recorded" for e in events)
    assert [e["key"] for e in events] == [today, today, other]
    assert [e["headers"]["ce_subject"] for e in events] == [today, today, other]
    refs = [e["data"]["participant_ref"] for e in events]
    assert refs[0] == refs[1] != refs[2] and len(refs[0]) == 32  # the same visitor, per activity
    assert all(VISITOR not in e["raw"] for e in events)


async def test_check_ins_reach_the_directory_counts(service: Service) -> None:
    [activity_id] = await public(service, registered(starts_in=timedelta(hours=-1)))
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        async with visitor(service, address) as client:
            assert (await client.post(f"{URL}/{activity_id}/check-ins")).status_code == 202
            rating = await client.post(f"{URL}/{activity_id}/feedback", json={"rating": 4})
            assert rating.status_code == 202
    async with asyncio.timeout(30):
        while (body := (await service.client.get(f"{URL}/{activity_id}")).json())["rating_count"] < 3:
            await asyncio.sleep(0.05)
    assert body["check_ins"] == 3 and body["rating_count"] == 3 and body["rating_average"] == 4.0


async def test_the_directory_shows_how_many_science_workers_take_part_and_never_who(service: Service) -> None:
    [activity_id] = await public(service, registered(science_worker_count=2))
    body = (await service.client.get(f"{URL}/{activity_id}")).json()
    assert body["science_workers"] == 2
    assert not {"contact_name_masked", "contact_phone_masked", "organizer_id"} & set(body)


async def test_check_in_is_open_from_the_start_day_until_the_end_day(service: Service) -> None:
    later, ended = await public(
        service,
        registered(starts_in=timedelta(days=3)),
        registered(starts_in=timedelta(days=-4)),  # ended 2 hours after that
    )
    async with visitor(service) as client:
        early = await client.post(f"{URL}/{later}/check-ins")
        late = await client.post(f"{URL}/{ended}/check-ins")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "starts_at"
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "ends_at"
    assert early.headers["content-type"] == "application/problem+json"
    assert await participation_outbox(service) == []


async def test_feedback_only_after_the_start(service: Service) -> None:
    upcoming = registered(starts_in=timedelta(days=2))
    started = registered(starts_in=timedelta(hours=-3))
    later, earlier = await public(service, upcoming, started)
    async with visitor(service) as client:
        early = await client.post(f"{URL}/{later}/feedback", json={"rating": 5})
        fine = await client.post(
            f"{URL}/{earlier}/feedback", json={"rating": 5, "comment": "讲得很好，有问题请打 13812345678"}
        )
    assert early.status_code == 422
    problem = early.json()
    assert problem["errors"][0]["field"] == "starts_at"
    assert datetime.fromisoformat(upcoming.data["starts_at"]).astimezone(UTC).isoformat() in problem["detail"]
    assert fine.status_code == 202
    [event] = await participation_outbox(service)
    assert event["headers"]["ce_type"] == "feedback-submitted" and event["key"] == earlier
    assert event["data"]["rating"] == 5 and event["data"]["comment"] == "讲得很好，有问题请打 138****5678"
    assert VISITOR not in event["raw"]


@BOTH
async def test_only_public_activities_take_check_ins_and_feedback(service: Service) -> None:
    engine = service.container.backbone.engine
    pending = registered(starts_in=timedelta(hours=-1), campaign="unapproved")
    refused = registered(starts_in=timedelta(hours=-1))
    await public(service, refused)
    await feed(engine, pending, rejected(refused.subject))
    async with visitor(service) as client:
        for activity_id in (pending.subject, refused.subject, "no-such-activity"):
            for path, body in (("check-ins", None), ("feedback", {"rating": 3})):
                response = await client.post(f"{URL}/{activity_id}/{path}", json=body)
                assert response.status_code == 404, (activity_id, path)
                assert response.headers["content-type"] == "application/problem+json"
    assert await participation_outbox(service) == []


async def test_a_client_over_its_rate_is_429_with_retry_after(service: Service) -> None:
    [activity_id] = await public(service, registered(starts_in=timedelta(hours=-1)))
    burst = service.container.backbone.settings.directory_rate_burst  # type: ignore[attr-defined]
    async with visitor(service) as client:
        statuses = [(await client.post(f"{URL}/{activity_id}/check-ins")).status_code for _ in range(burst)]
        over = await client.post(f"{URL}/{activity_id}/feedback", json={"rating": 5})
    assert statuses == [202] * burst
    assert over.status_code == 429 and over.headers["content-type"] == "application/problem+json"
    assert int(over.headers["Retry-After"]) >= 1
    async with visitor(service, "198.51.100.200") as neighbour:
        assert (await neighbour.post(f"{URL}/{activity_id}/check-ins")).status_code == 202
    assert len(await participation_outbox(service)) == burst + 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": 4, "comment": "好" * 501}, "comment"),
        ({"rating": 4, "phone": "13812345678"}, "phone"),
        ({}, "rating"),
    ],
)
async def test_invalid_feedback_is_422_naming_the_field(service: Service, body: dict[str, Any], field: str) -> None:
    [activity_id] = await public(service, registered(starts_in=timedelta(hours=-1)))
    response = await service.client.post(f"{URL}/{activity_id}/feedback", json=body)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["errors"]}
