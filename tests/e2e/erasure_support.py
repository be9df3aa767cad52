"""The platform for the erasure tests: registration, review, notification and analytics in this process
on one bus and one key vault, a science worker thanked by SMS, a unit whose own contact person logs in
with their phone, recommendation forms naming contacts, and the ways to look for a person afterwards."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from fastapi import FastAPI

from harness.factories import CAMPAIGN, PASSWORD, activity_body, open_campaign, organizer_headers
from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification_app
from services.notification.settings import NotificationSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.container import Registration
from services.registration.settings import RegistrationSettings
from services.review.bootstrap import build as review_build
from services.review.bootstrap import create_app as review_app
from services.review.settings import ReviewSettings
from shared.bus import Record, bus_from_url
from tests.e2e.conftest import settings_env
from tests.notification.conftest import Recorder

WORKER_NAME, WORKER_PHONE = "欧阳科普", "13955501234"
CONTACT_NAME, CONTACT_PHONE = "司马联络", "13655507890"
KEPT_NAME, KEPT_PHONE = "钱学文", "13700002222"
UNIT_CONTACT_NAME, UNIT_CONTACT_PHONE = "令狐单位", "13655501111"  # a unit's own contact: also its login
SECRETS = [
    s.encode() for s in (WORKER_NAME, WORKER_PHONE, CONTACT_NAME, CONTACT_PHONE, UNIT_CONTACT_NAME, UNIT_CONTACT_PHONE)
]
CHAIN = {"levels": ["county", "city", "province"], "forward_to": "national"}


@dataclass
class Platform:
    registration: httpx.AsyncClient
    notification: httpx.AsyncClient
    analytics: httpx.AsyncClient
    review: httpx.AsyncClient
    apps: dict[str, FastAPI]
    options: dict[str, Any]
    sms: Recorder
    organizer: dict[str, str]
    admin: dict[str, str]
    reviewer: dict[str, str]

    @property
    def container(self) -> Registration:
        return self.apps["registration"].state.container


def notification_on(options: dict[str, Any], database: Path, verifier: Any, sms: Recorder) -> FastAPI:
    settings = NotificationSettings(**options, database_url=f"sqlite+aiosqlite:///{database}", quiet_hours="")  # type: ignore[arg-type]
    return notification_app(build_notification(settings, verifier=verifier, channels={"sms": sms}))


@asynccontextmanager
async def running_platform(tmp_path: Path, bus_url: str) -> AsyncIterator[Platform]:
    # every request sees the latest revocations: an erased unit contact's token is refused at once
    options = {**settings_env(tmp_path, bus_url), "token_revocation_refresh_seconds": 0.001}
    registration = registration_app(build_registration(RegistrationSettings(**options)))  # type: ignore[arg-type]
    analytics = analytics_app(analytics_build(AnalyticsSettings(**options)))  # type: ignore[arg-type]
    sms = Recorder()
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(registration.router.lifespan_context(registration))
        container: Registration = registration.state.container
        notification = notification_on(options, tmp_path / "notification.db", container.verifier, sms)
        review = review_app(review_build(ReviewSettings(**options), verifier=container.verifier))  # type: ignore[arg-type]
        for app in (notification, analytics, review):
            await stack.enter_async_context(app.router.lifespan_context(app))
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri")
            )
            for app in (registration, notification, analytics, review)
        ]
        organizer = await organizer_headers(container)
        today = datetime.now(UTC).date()
        campaign = replace(
            open_campaign(), info_completion_deadline=today + timedelta(days=5), settings={"recommendation": CHAIN}
        )
        await container.campaigns.configure(campaign, 1)
        admin = await _staff(clients[0], container, "admin-erasure", "admin")
        reviewer = await _staff(clients[0], container, "county-erasure", "reviewer", "county", "610502")
        apps = {"registration": registration, "notification": notification, "analytics": analytics, "review": review}
        yield Platform(*clients, apps, options, sms, organizer, admin, reviewer)  # type: ignore[arg-type]


async def _staff(client: httpx.AsyncClient, container: Registration, login: str, *role: str | None) -> dict[str, str]:
    await container.accounts.create_staff(login, PASSWORD, *role)  # type: ignore[arg-type]
    token = await client.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def unit_with_own_contact(platform: Platform) -> tuple[str, str, dict[str, str]]:
    """A unit signs up with its own contact person (whose phone is the login) and registers an
    activity; (unit id, activity id, the organizer's Authorization header)."""
    unit = {
        "name": "渭南市临渭区青少年科技馆",
        "unit_type": "museum",
        "region_code": "610502",
        "contact_name": UNIT_CONTACT_NAME,
        "contact_phone": UNIT_CONTACT_PHONE,
        "password": PASSWORD,
    }
    assert (await platform.registration.post("/api/v1/units", json=unit)).status_code == 202
    login = {"login": UNIT_CONTACT_PHONE, "password": PASSWORD}
    token = (await platform.registration.post("/api/v1/auth/token", json=login)).json()["access_token"]
    organizer = {"Authorization": f"Bearer {token}"}
    body = activity_body(science_workers=[], contact_name="申屠负责", contact_phone="13700003333")
    created = await platform.registration.post("/api/v1/activities", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    unit_id: str = jwt.decode(token, options={"verify_signature": False})["unit"]  # sign-up answers no ids
    return unit_id, created.json()["id"], organizer


async def recommended_with_contacts(platform: Platform, activity_id: str, unit_id: str) -> list[str]:
    """The county reviewer recommends the thanked activity (附件3, the activity's contact person named)
    and the unit (附件2, its own contact person named); the recommendations' ids."""
    approve = f"/api/v1/review/activities/{activity_id}/approve"
    nominations = [
        (
            "/api/v1/recommendations",
            {
                "campaign_id": CAMPAIGN,
                "activity_id": activity_id,
                "reason": "组织动员充分",
                "main_content": "食品安全科普讲座",
                "contact_name": CONTACT_NAME,
                "contact_phone": CONTACT_PHONE,
                "opinion": "同意推荐",
            },
        ),
        (
            "/api/v1/recommendations/units",
            {
                "campaign_id": CAMPAIGN,
                "unit_id": unit_id,
                "unit_level": "县级",
                "staff_count": 12,
                "contact_name": UNIT_CONTACT_NAME,
                "contact_phone": UNIT_CONTACT_PHONE,
                "deeds": "组织开展科普活动 30 场",
                "opinion": "同意推荐",
            },
        ),
    ]
    ids = []
    for url, nomination in nominations:
        sent = await _created(platform, approve, url, nomination)
        ids.append(sent.json()["id"])
    return ids


async def thank_science_workers(platform: Platform) -> str:
    """Register a held activity listing the worker (and the contact person), complete its info, and
    wait until both science workers got their thank-you; the activity's id."""
    body = activity_body(
        starts_in=timedelta(minutes=-30),
        contact_name=CONTACT_NAME,
        contact_phone=CONTACT_PHONE,
        science_workers=[
            {"name": WORKER_NAME, "phone": WORKER_PHONE, "organisation": "西北大学"},
            {"name": KEPT_NAME, "phone": KEPT_PHONE},
        ],
    )
    created = await platform.registration.post("/api/v1/activities", json=body, headers=platform.organizer)
    assert created.status_code == 201, created.text
    activity_id: str = created.json()["id"]
    info = {"photo_urls": ["https://img.example.cn/1.jpg"], "actual_participants": 120, "summary": "圆满完成"}
    completed = await platform.registration.put(
        f"/api/v1/activities/{activity_id}/info", json=info, headers={**platform.organizer, "If-Match": '"1"'}
    )
    assert completed.status_code == 200, completed.text
    await until(lambda: _sent_to(platform, {WORKER_PHONE, KEPT_PHONE}))
    return activity_id


async def _sent_to(platform: Platform, phones: set[str]) -> bool:
    page = (await platform.notification.get("/api/v1/messages", headers=platform.admin)).json()
    return {m.to for m in platform.sms.sent} == phones and page["counts"].get("sent", 0) == len(phones)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def _created(platform: Platform, approve: str, url: str, nomination: dict[str, Any]) -> httpx.Response:
    """POST the nomination until review's view knows the activity (approved first) or unit: 201."""
    sent: list[httpx.Response] = []

    async def created() -> bool:
        await platform.review.post(approve, headers=platform.reviewer)  # once review knows it; 409 after
        sent.append(await platform.review.post(url, json=nomination, headers=platform.reviewer))
        return sent[-1].status_code == 201

    try:
        await until(created)
    except TimeoutError:
        raise AssertionError(f"{url}: {sent[-1].status_code} {sent[-1].text}") from None
    return sent[-1]


async def answers(platform: Platform, activity_id: str, recommendation_ids: Sequence[str] = ()) -> dict[str, bytes]:
    """Every answer that could show the person: activity, exports (unzipped), ledger, statistics, and
    review's recommendations, lists and forms."""
    r, n, a, v = platform.registration, platform.notification, platform.analytics, platform.review
    exports = f"/api/v1/exports/recommendations.xlsx?campaign={CAMPAIGN}&box=sent"
    got = {
        "activity": await r.get(f"/api/v1/activities/{activity_id}", headers=platform.organizer),
        "activity (admin)": await r.get(f"/api/v1/activities/{activity_id}", headers=platform.admin),
        "export (organizer)": await r.get(
            f"/api/v1/activities/export.xlsx?campaign_id={CAMPAIGN}", headers=platform.organizer
        ),
        "export (admin)": await r.get(f"/api/v1/activities/export.xlsx?campaign_id={CAMPAIGN}", headers=platform.admin),
        "dashboard": await r.get("/api/v1/dashboard", headers=platform.organizer),
        "messages": await n.get("/api/v1/messages", headers=platform.admin),
        "messages (organizer)": await n.get("/api/v1/messages", headers=platform.organizer),
        "statistics": await a.get(f"/api/v1/stats/activities?campaign={CAMPAIGN}"),
        "deliveries": await a.get("/api/v1/stats/notifications"),
        "recommendations": await v.get(
            f"/api/v1/recommendations?campaign={CAMPAIGN}&box=sent", headers=platform.reviewer
        ),
        "export 附件3": await v.get(f"{exports}&form=附件3", headers=platform.reviewer),
        "export 附件2": await v.get(f"{exports}&form=附件2", headers=platform.reviewer),
        "export list": await v.get(f"{exports}&form=list&kind=unit", headers=platform.reviewer),
    }
    for recommendation_id in recommendation_ids:
        got[f"recommendation {recommendation_id}"] = await v.get(
            f"/api/v1/recommendations/{recommendation_id}", headers=platform.reviewer
        )
    out = {}
    for name, response in got.items():
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:300]}"
        out[name] = unzipped(response.content) if name.startswith("export") else response.content
    return out


def unzipped(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return b"".join(book.read(name) for name in book.namelist())


async def from_the_start(bus_url: str, topics: list[str], group: str) -> list[Record]:
    """Topics read from their start by a new consumer group: what a backup or a replay would read."""
    bus = bus_from_url(bus_url, fetch_max_wait_ms=10)
    await bus.start()
    found: list[Record] = []
    try:
        async with bus.subscribe(group, topics) as subscription:
            idle = 0
            while idle < 20:
                records = await subscription.poll(timeout_ms=100)
                found.extend(records)
                idle = 0 if records else idle + 1
    finally:
        await bus.stop()
    return found


def files_holding(directory: Path, needles: list[bytes]) -> dict[str, list[bytes]]:
    """Every file under ``directory`` (databases, their WAL, the embedded log) holding a needle, UTF-8."""
    found: dict[str, list[bytes]] = {}
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits = [n for n in needles if n in data]
            if hits:
                found[str(path.relative_to(directory))] = hits
    return found
