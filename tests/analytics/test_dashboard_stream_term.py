"""An open dashboard stream does not outlive its token: it is verified again every
``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS`` through the service's verifier, and the stream ends (an
``end`` event naming why, then the end of the answer) once the token is refused: revoked (signed out,
or the account disabled) or expired. Every stream also ends after
``KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS``; the page then connects again with its token. A key set
that cannot be had for a moment is not a refusal. Against the services as OS processes:
tests/e2e/test_dashboard_stream_revocation.py. The page, in a real browser, asks for a token again."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.analytics.operations_dashboard.limits import StreamSlots
from services.analytics.operations_dashboard.term import StreamTerm
from shared.auth import REVOKED_MEMBER, KeySetVerifier, Principal, sign_token

from .test_dashboard_page import severe, sign_in, wait_for_text
from .test_dashboard_support import CAMPAIGN, KEY, analytics_app, configured, feed, registered, serving

STREAM = "/api/v1/stats/dashboard/stream"
REVIEWER = Principal("rev-1", "reviewer", level="city", jurisdiction="6105")


class Registration:
    """Registration's published key set, as a test changes it (revocations), or unreachable."""

    def __init__(self) -> None:
        key = serialization.load_pem_private_key(KEY, password=None)
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)  # type: ignore[arg-type]
        self.document: dict[str, Any] = {"keys": [{**jwk, "kid": "k1", "alg": "EdDSA"}], REVOKED_MEMBER: []}
        self.up = True

    async def fetch(self) -> Mapping[str, Any]:
        if not self.up:
            raise ConnectionRefusedError("registration is down")
        return self.document

    def revoke(self, subject: str) -> None:
        self.document = {**self.document, REVOKED_MEMBER: [{"sub": subject, "not_before": time.time()}]}


async def events(stream: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """The stream's events as (name, data), ``message`` for unnamed ones, until the answer ends."""
    name, data = "message", []
    async for line in stream.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif not line and data:
            yield name, "\n".join(data)
            name, data = "message", []


async def until_the_end(stream: AsyncIterator[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every (further) event up to the end of the answer (10 s at most: a stream that never ends fails here)."""
    seen = []
    async with asyncio.timeout(10):
        async for item in stream:
            seen.append(item)
    return seen


@pytest.fixture
def registration() -> Registration:
    return Registration()


def app_with(tmp_path: Path, registration: Registration, **settings: Any) -> Any:
    verifier = KeySetVerifier(registration.fetch, refresh_seconds=0.05)
    return analytics_app(tmp_path, verifier, token_revocation_refresh_seconds=0.2, **settings)


@pytest.mark.parametrize("how", ["revoked", "expired"])
async def test_a_stream_ends_once_its_token_is_refused(tmp_path: Path, registration: Registration, how: str) -> None:
    app = app_with(tmp_path, registration)
    ttl = timedelta(seconds=2) if how == "expired" else timedelta(hours=8)
    token = sign_token(KEY, REVIEWER, ttl=ttl)
    async with serving(app) as served, httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        await feed(app, configured(CAMPAIGN))
        headers = {"Authorization": f"Bearer {token}"}
        async with client.stream("GET", STREAM, params={"campaign": CAMPAIGN}, headers=headers) as stream:
            assert stream.status_code == 200
            sent = events(stream)
            first = await anext(sent)
            assert first[0] == "message" and "counters" in json.loads(first[1])
            if how == "revoked":
                registration.revoke(REVIEWER.subject)
            rest = await until_the_end(sent)
        assert rest[-1][0] == "end"
        reason = json.loads(rest[-1][1])["reason"]
        assert ("revoked" if how == "revoked" else "expired") in reason, reason
        slots: StreamSlots = app.state.container.slots
        assert slots.open == 0
        again = await client.get(STREAM, params={"campaign": CAMPAIGN}, headers=headers)
        assert again.status_code == 401 and again.headers["content-type"] == "application/problem+json"


async def test_every_stream_ends_after_the_longest_it_may_stay_open(tmp_path: Path, registration: Registration) -> None:
    app = app_with(tmp_path, registration, dashboard_stream_max_seconds=1.5)
    headers = {"Authorization": f"Bearer {sign_token(KEY, REVIEWER)}"}
    async with serving(app) as served, httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        await feed(app, configured(CAMPAIGN))
        async with client.stream("GET", STREAM, params={"campaign": CAMPAIGN}, headers=headers) as stream:
            seen = await until_the_end(events(stream))
        assert seen[0][0] == "message" and seen[-1][0] == "end"
        assert "KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS" in json.loads(seen[-1][1])["reason"]
        async with client.stream("GET", STREAM, params={"campaign": CAMPAIGN}, headers=headers) as again:
            assert again.status_code == 200  # the token is fine: the page connects again


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_the_term_checks_the_token_every_interval_and_ends_at_the_lifetime() -> None:
    clock, answers, asked = Clock(), [None, None, "the token was revoked"], []

    async def check() -> str | None:
        asked.append(clock.now)
        return answers[len(asked) - 1]

    term = StreamTerm(check, recheck_s=15, lifetime_s=3600, clock=clock)
    for clock.now in (0.0, 14.9, 15.0, 20.0, 29.9, 30.0):
        assert await term.ended() is None
    assert asked == [15.0, 30.0]
    clock.now = 45.0
    assert await term.ended() == "the token was revoked"

    undecided = StreamTerm(lambda: asyncio.sleep(0, None), recheck_s=15, lifetime_s=60, clock=clock)
    clock.now += 59.9
    assert await undecided.ended() is None
    clock.now += 0.1
    assert "KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS" in str(await undecided.ended())


async def test_the_page_asks_for_a_token_again_once_its_stream_is_ended_for_a_revocation(
    tmp_path: Path, registration: Registration, browser: webdriver.Chrome
) -> None:
    app = app_with(tmp_path, registration)
    async with serving(app) as served:
        await feed(app, configured(CAMPAIGN), registered("610502"))
        await asyncio.to_thread(browser.get, f"{served.url}/dashboard?campaign={CAMPAIGN}")
        await asyncio.to_thread(sign_in, browser, sign_token(KEY, REVIEWER))
        await asyncio.to_thread(wait_for_text, browser, "total-activities", "1")

        registration.revoke(REVIEWER.subject)
        await asyncio.to_thread(
            WebDriverWait(browser, 15, poll_frequency=0.1).until,
            lambda d: "revoked" in d.find_element(By.ID, "sign-in-error").text,
            "the page never asked for a token again with the server's reason",
        )
        assert browser.find_element(By.ID, "sign-in").is_displayed()
        assert browser.find_element(By.ID, "total-activities").text == "1"
        kept = "return window.kepuriDashboard.snapshot.counters !== undefined"
        assert await asyncio.to_thread(browser.execute_script, kept), "the end event was taken for a snapshot"
        errors = [e for e in await asyncio.to_thread(severe, browser) if "status of 401" not in e["message"]]
        assert errors == [], errors
        await asyncio.to_thread(browser.get, "about:blank")
