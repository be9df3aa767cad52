"""The recommendation chain end to end through the streams, on both buses: registration publishes the
campaign, the unit and the activity; review builds its view from the stream; reviewers (accounts made
by registration, tokens verified through its JWKS document) approve and recommend; the approval comes
back to registration (dashboard and public directory); the chain runs county → city → province →
national for a national campaign and county → city → province for a Weinan-style one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from harness.factories import PASSWORD, activity_body, open_campaign
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings
from services.review.bootstrap import build as review_build
from services.review.bootstrap import create_app as review_app
from services.review.settings import ReviewSettings
from shared.auth import JwksVerifier
from shared.events import from_record
from shared.events.topics import REVIEWS
from tests.e2e.conftest import settings_env
from tests.e2e.test_failures import read_topic

NATIONAL_CHAIN = {"levels": ["county", "city", "province"], "forward_to": "national", "quotas": {"county": 5}}
WEINAN_CHAIN = {"levels": ["county", "city"], "forward_to": "province"}


@dataclass
class Pair:
    registration: httpx.AsyncClient
    review: httpx.AsyncClient
    registration_app: FastAPI
    bus_url: str
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)

    async def staff(self, role: str, level: str | None = None, jurisdiction: str | None = None) -> dict[str, str]:
        """A staff account made by registration's operator path, logged in (once per body)."""
        login = f"{role}-{level}-{jurisdiction}"
        if login not in self.accounts:
            accounts = self.registration_app.state.container.accounts
            await accounts.create_staff(login, PASSWORD, role, level, jurisdiction)
            answer = await self.registration.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
            self.accounts[login] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self.accounts[login]


@pytest.fixture
async def pair(tmp_path: Path, bus_url: str) -> AsyncIterator[Pair]:
    options = settings_env(tmp_path, bus_url)
    registration = registration_app(build_registration(RegistrationSettings(**options)))  # type: ignore[arg-type]
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(registration.router.lifespan_context(registration))
        to_registration = httpx.AsyncClient(transport=httpx.ASGITransport(app=registration), base_url="http://kepuri")
        await stack.enter_async_context(to_registration)
        verifier = JwksVerifier("http://kepuri/api/v1/auth/jwks.json", client=to_registration)
        review = review_app(review_build(ReviewSettings(**options), verifier=verifier))  # type: ignore[arg-type]
        await stack.enter_async_context(review.router.lifespan_context(review))
        to_review = httpx.AsyncClient(transport=httpx.ASGITransport(app=review), base_url="http://kepuri")
        await stack.enter_async_context(to_review)
        yield Pair(to_registration, to_review, registration, bus_url)


async def until(check: Any, timeout: float = 30) -> Any:
    """Poll ``check()`` (a coroutine function) until it returns something truthy."""
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.05)
    return result


async def registered_and_completed(pair: Pair, campaign_id: str, phone: str) -> tuple[str, dict[str, str]]:
    """An organizer signs up, registers an activity that has started, and completes its information."""
    unit = {
        "name": "渭南市临渭区实验中学",
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": phone,
        "password": PASSWORD,
    }
    assert (await pair.registration.post("/api/v1/units", json=unit)).status_code == 202
    login = await pair.registration.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
    organizer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    body = activity_body(campaign_id, starts_in=timedelta(minutes=-30))
    created = await pair.registration.post("/api/v1/activities", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]
    info = {"actual_participants": 180, "summary": "活动顺利举办", "photo_urls": ["https://img.example.cn/1.jpg"]}
    completed = await pair.registration.put(
        f"/api/v1/activities/{activity_id}/info", json=info, headers={**organizer, "If-Match": '"1"'}
    )
    assert completed.status_code == 200, completed.text
    return activity_id, organizer


async def run_chain(pair: Pair, campaign_id: str, chain: dict[str, Any], phone: str) -> list[str]:
    campaign = replace(open_campaign(campaign_id, auto_approve=False), settings={"recommendation": chain})
    await pair.registration_app.state.container.campaigns.configure(campaign, 0)
    activity_id, organizer = await registered_and_completed(pair, campaign_id, phone)
    county = await pair.staff("reviewer", "county", "610502")

    async def queued() -> bool:
        answer = await pair.review.get("/api/v1/review/queue", params={"campaign": campaign_id}, headers=county)
        return answer.status_code == 200 and any(i["activity_id"] == activity_id for i in answer.json()["items"])

    await until(queued)
    approved = await pair.review.post(f"/api/v1/review/activities/{activity_id}/approve", json={}, headers=county)
    assert approved.status_code == 200, approved.text

    async def public() -> bool:  # the approval went round the stream to registration's directory
        return (await pair.registration.get(f"/api/v1/directory/activities/{activity_id}")).status_code == 200

    await until(public)
    dashboard = await pair.registration.get("/api/v1/dashboard", headers=organizer)
    assert "approved" in dashboard.text

    form = {
        "campaign_id": campaign_id,
        "activity_id": activity_id,
        "reason": "参与人数多，科学家参与度高",
        "main_content": "食品安全进社区讲座与互动实验",
        "contact_name": "王建国",
        "contact_phone": "13812345678",
        "opinion": "同意推荐",
    }

    async def recommended() -> dict[str, Any] | None:  # until review has seen the info completion
        answer = await pair.review.post("/api/v1/recommendations", json=form, headers=county)
        return answer.json() if answer.status_code == 201 else None

    rec = await until(recommended)
    levels = [*chain["levels"][1:], chain["forward_to"]]
    jurisdictions = {"city": "6105", "province": "61", "national": None}
    for level in levels:
        body = await pair.staff("reviewer", level, jurisdictions[level])
        answer = await pair.review.post(
            f"/api/v1/recommendations/{rec['id']}/endorse", json={"opinion": f"{level} 同意"}, headers=body
        )
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "selected"
    return [rec["id"]]


async def test_a_national_and_a_weinan_style_chain_run_through_the_streams(pair: Pair) -> None:
    [national] = await run_chain(pair, "2026-national", NATIONAL_CHAIN, "13912340001")
    [weinan] = await run_chain(pair, "2026-weinan", WEINAN_CHAIN, "13912340002")
    admin = await pair.staff("admin")
    commended = await pair.review.post(f"/api/v1/recommendations/{national}/commend", json={}, headers=admin)
    assert commended.status_code == 200, commended.text

    # approvals (2), recommendations (2), endorsements (3 + 2) and the commendation are on the stream
    records = await read_topic(pair.bus_url, REVIEWS.name, expected=10)
    envelopes = [from_record(r) for r in records]
    by_subject: dict[str, list[tuple[int, str]]] = {}
    for e in envelopes:
        by_subject.setdefault(e.subject, []).append((e.sequence, e.type))
    assert [t for _, t in sorted(by_subject[national])] == [
        "recommended",
        "recommendation-endorsed",
        "recommendation-endorsed",
        "recommendation-endorsed",
        "commended",
    ]
    assert [t for _, t in sorted(by_subject[weinan])] == [
        "recommended",
        "recommendation-endorsed",
        "recommendation-endorsed",
    ]
    assert sum(e.type == "activity-approved" for e in envelopes) == 2
    assert all(b"13812345678" not in r.value for r in records)
