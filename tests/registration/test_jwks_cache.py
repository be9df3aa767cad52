"""``GET /api/v1/auth/jwks.json`` is public: a flood of it costs one database read per
``KEPURI_REGISTRATION_JWKS_CACHE_SECONDS`` (1 s), and the cache never delays a revocation past the
verifiers' ``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS``: the answer says how old it is (``Age``), a
verifier counts its copy as that old, and a revocation made through this process is published at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, event

from services.registration.settings import RegistrationSettings
from shared.auth import AgedDocument, JwksVerifier, KeySetVerifier, Principal

from .conftest import Service

JWKS = "/api/v1/auth/jwks.json"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"jwks_cache_seconds": 5.0}


@pytest.fixture
def registration_clock(service: Service) -> Clock:
    clock = Clock(100.0)
    service.container.access.clock = clock
    return clock


@pytest.fixture
def key_set_reads(service: Service) -> Iterator[list[str]]:
    """The statements that read the revocations in force, as the database runs them (on any engine:
    SQLite reads go through the store's synchronous twin of the service's engine)."""
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "tokens_not_before >" in statement:
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    yield reads
    event.remove(Engine, "before_cursor_execute", seen)


async def test_a_flood_of_key_set_requests_reads_the_database_once(
    service: Service, registration_clock: Clock, key_set_reads: list[str]
) -> None:
    answers = await asyncio.gather(*(service.client.get(JWKS) for _ in range(50)))

    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len(key_set_reads) == 1
    registration_clock.now += 4.2
    later = await service.client.get(JWKS)
    assert later.headers["age"] == "5" and len(key_set_reads) == 1  # whole seconds, rounded up
    registration_clock.now += 0.8
    assert (await service.client.get(JWKS)).headers["age"] == "0" and len(key_set_reads) == 2


async def test_a_revocation_is_published_at_once_whatever_the_cache(
    service: Service, registration_clock: Clock
) -> None:
    reviewer = await service.staff("reviewer", "city", "6105")
    admin = await service.admin()
    before = (await service.client.get(JWKS)).json()
    subject = (await service.container.verifier.verify(reviewer["Authorization"][7:])).subject
    assert subject not in {entry["sub"] for entry in before["revoked"]}

    revoked = await service.client.post(f"/api/v1/accounts/{subject}/revocation", headers=admin)
    assert revoked.status_code == 204, revoked.text
    after = (await service.client.get(JWKS)).json()  # the same instant: still within the cache's time
    assert subject in {entry["sub"] for entry in after["revoked"]}


@pytest.fixture
async def fetches(service: Service) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    """A client of the service that notes every request it sends (a verifier in another service)."""
    sent: list[str] = []

    async def note(request: httpx.Request) -> None:
        sent.append(request.url.path)

    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kepuri", event_hooks={"request": [note]}) as c:
        yield c, sent


async def test_a_verifier_counts_its_copy_as_old_as_the_answer_says(
    service: Service, registration_clock: Clock, fetches: tuple[httpx.AsyncClient, list[str]]
) -> None:
    client, sent = fetches
    token = (await service.staff("reviewer", "city", "6105"))["Authorization"][7:]
    await service.client.get(JWKS)  # read at 100 s and kept for 5 s
    registration_clock.now += 4.2  # the verifier's copy is then 5 s old (rounded up) when it arrives
    verifier_clock = Clock(0.0)
    verifier = JwksVerifier(f"http://kepuri{JWKS}", client, refresh_seconds=15, clock=verifier_clock)

    assert isinstance(await verifier.verify(token), Principal) and len(sent) == 1
    verifier_clock.now = 9.9
    await verifier.verify(token)
    assert len(sent) == 1
    verifier_clock.now = 10.0  # 15 s after the document was read: fetched again
    await verifier.verify(token)
    assert len(sent) == 2


@pytest.mark.parametrize("cache", [-1.0, 5.5])
def test_a_cache_out_of_range_is_refused(cache: float) -> None:
    with pytest.raises(ValidationError, match="jwks_cache_seconds"):
        RegistrationSettings(jwks_cache_seconds=cache)


def test_the_cache_is_at_most_half_the_refresh_interval() -> None:
    assert RegistrationSettings().jwks_max_age_seconds == 1.0
    assert RegistrationSettings(jwks_cache_seconds=5, token_revocation_refresh_seconds=2).jwks_max_age_seconds == 1.0
    assert RegistrationSettings(jwks_cache_seconds=0).jwks_max_age_seconds == 0.0


async def test_an_age_past_the_refresh_does_not_make_every_check_fetch(service: Service) -> None:
    token = (await service.staff("reviewer", "city", "6105"))["Authorization"][7:]
    fetched: list[float] = []
    clock = Clock(0.0)

    async def stale_source() -> AgedDocument:
        fetched.append(clock.now)
        return AgedDocument(await service.container.access.key_set(), age=3600.0)

    verifier = KeySetVerifier(stale_source, refresh_seconds=10, clock=clock)
    for clock.now in (0.0, 1.0, 4.9, 5.0):
        await verifier.verify(token)
    assert fetched == [0.0, 5.0]  # counted half the refresh old, not an hour
