"""Erasure across the services running as OS processes (registration, notification, review) on the
embedded bus: a science worker thanked by SMS, a unit's own contact person (the phone is the unit's
login) and the contacts a reviewer typed into forms 附件3 and 附件2. After the admin's erasures the
unit's account is closed, notification has forgotten the worker, review has blanked the forms, and no
process's answers, database file, log file or the embedded log hold a phone or name again; the counts
stay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt

from harness.factories import CAMPAIGN, PASSWORD, activity_body, open_campaign
from harness.ports import free_port
from harness.processes import ServiceProcess
from services.registration.bootstrap import MIGRATIONS, build
from services.registration.settings import RegistrationSettings
from shared.store.migrations import migrate
from tests.e2e.erasure_support import files_holding, unzipped
from tests.e2e.test_notification_crash import handsets
from tests.notification.standin_support import standin_process

WORKER_NAME, WORKER_PHONE = "公孙科研", "13955502468"
KEPT_PHONE = "13700004444"
CONTACT_NAME, CONTACT_PHONE = "端木联络", "13655502468"  # the activity's contact, typed into 附件3 too
UNIT_NAME, UNIT_PHONE = "慕容单位", "13655503579"  # the unit's own contact and login, typed into 附件2
SECRETS = [s.encode() for s in (WORKER_NAME, WORKER_PHONE, CONTACT_NAME, CONTACT_PHONE, UNIT_NAME, UNIT_PHONE)]
CHAIN = {"levels": ["county", "city", "province"], "forward_to": "national"}


async def prepared(settings: RegistrationSettings) -> None:
    """Before registration starts: its database with the campaign (a recommendation chain), an admin
    and a county reviewer (the operator's path)."""
    registration = build(settings)
    await migrate(registration.backbone.engine, MIGRATIONS)
    await registration.backbone.writer.start()
    try:
        campaign = replace(open_campaign(), settings={"recommendation": CHAIN})
        await registration.campaigns.configure(campaign, 0)
        await registration.accounts.create_staff("dpo-2", PASSWORD, "admin")
        await registration.accounts.create_staff("county-2", PASSWORD, "reviewer", "county", "610502")
    finally:
        await registration.backbone.writer.stop()
        await registration.backbone.engine.dispose()


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 60) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.1)
    return result


async def test_erasure_reaches_notification_and_review_running_as_processes(tmp_path: Path) -> None:
    data = tmp_path / "platform"  # the provider's own records (outside the platform) live beside it
    data.mkdir()
    bus_url = f"embedded:{data / 'bus.db'}"
    settings = RegistrationSettings(data_dir=data, bus_url=bus_url, environment="test")  # type: ignore[call-arg]
    await prepared(settings)
    sms_port = free_port()
    registration = ServiceProcess("registration", data, bus_url, token_revocation_refresh_seconds="0.5")
    jwks = f"{registration.url}/api/v1/auth/jwks.json"
    notification = ServiceProcess(
        "notification",
        data,
        bus_url,
        notification_jwks_url=jwks,
        notification_quiet_hours="",
        notification_sms_base_url=f"http://127.0.0.1:{sms_port}",
    )
    review = ServiceProcess("review", data, bus_url, review_jwks_url=jwks, token_revocation_refresh_seconds="0.5")
    processes = (registration, notification, review)
    provider = standin_process(
        sms_port, tmp_path / "standin.log", receipts_url=f"{notification.url}/api/v1/sms/receipts"
    )
    with provider:
        try:
            for process in processes:
                process.start()
            await _erase_across(registration, notification, review, sms_port)
        finally:
            for process in processes:
                process.stop()
    assert files_holding(data, SECRETS) == {}  # every database, its WAL, the embedded log, the services' logs


async def _erase_across(
    registration: ServiceProcess, notification: ServiceProcess, review: ServiceProcess, sms_port: int
) -> None:
    async with (
        httpx.AsyncClient(base_url=registration.url, timeout=30) as r,
        httpx.AsyncClient(base_url=notification.url, timeout=30) as n,
        httpx.AsyncClient(base_url=review.url, timeout=30) as v,
    ):
        admin, reviewer = await _login(r, "dpo-2"), await _login(r, "county-2")
        unit = {
            "name": "渭南市临渭区科普教育基地",
            "unit_type": "museum",
            "region_code": "610502",
            "contact_name": UNIT_NAME,
            "contact_phone": UNIT_PHONE,
            "password": PASSWORD,
        }
        assert (await r.post("/api/v1/units", json=unit)).status_code == 202
        organizer = await _login(r, UNIT_PHONE)
        unit_id = jwt.decode(organizer["Authorization"][7:], options={"verify_signature": False})["unit"]
        workers = [{"name": WORKER_NAME, "phone": WORKER_PHONE}, {"name": "钱学文", "phone": KEPT_PHONE}]
        body = activity_body(
            starts_in=timedelta(minutes=-30),
            contact_name=CONTACT_NAME,
            contact_phone=CONTACT_PHONE,
            science_workers=workers,
        )
        created = await r.post("/api/v1/activities", json=body, headers=organizer)
        assert created.status_code == 201, created.text
        activity_id = created.json()["id"]
        info = {"photo_urls": ["https://img.example.cn/1.jpg"], "actual_participants": 80, "summary": "圆满完成"}
        headers = {**organizer, "If-Match": '"1"'}
        assert (await r.put(f"/api/v1/activities/{activity_id}/info", json=info, headers=headers)).status_code == 200
        await until(lambda: _thanked(sms_port))
        forms = await _recommended(v, reviewer, activity_id, unit_id)
        before = await _counts(n, v, admin, reviewer)

        for phone, closed in ((WORKER_PHONE, 0), (CONTACT_PHONE, 0), (UNIT_PHONE, 1)):
            erased = await r.post("/api/v1/erasures", json={"phone": phone}, headers=admin)
            assert erased.status_code == 200 and erased.json()["erased"], erased.text
            assert erased.json()["accounts_closed"] == closed

        async def forgotten() -> bool:
            got = [await v.get(f"/api/v1/recommendations/{f}", headers=reviewer) for f in forms]
            blank = all(g.json()["form"]["contact_phone"] is None for g in got)
            page = await n.get("/api/v1/messages", headers=admin)
            return blank and not [s for s in SECRETS if s in page.content]

        await until(forgotten)
        await until(lambda: _refused(r, organizer, activity_id))  # the closed account's token, everywhere
        assert (await r.post("/api/v1/auth/token", json={"login": UNIT_PHONE, "password": PASSWORD})).status_code == 401
        exports = f"/api/v1/exports/recommendations.xlsx?campaign={CAMPAIGN}&box=sent"
        answers = [
            (await r.get(f"/api/v1/activities/{activity_id}", headers=admin)).content,
            unzipped((await r.get(f"/api/v1/activities/export.xlsx?campaign_id={CAMPAIGN}", headers=admin)).content),
            *[(await v.get(f"/api/v1/recommendations/{f}", headers=reviewer)).content for f in forms],
            unzipped((await v.get(f"{exports}&form=附件3", headers=reviewer)).content),
            unzipped((await v.get(f"{exports}&form=附件2", headers=reviewer)).content),
            (await n.get("/api/v1/messages", headers=admin)).content,
        ]
        assert not [s for a in answers for s in SECRETS if s in a]
        assert await _counts(n, v, admin, reviewer) == before


async def _login(r: httpx.AsyncClient, login: str) -> dict[str, str]:
    token = await r.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _thanked(sms_port: int) -> bool:
    return set(await handsets(sms_port)) == {WORKER_PHONE, KEPT_PHONE}


async def _refused(r: httpx.AsyncClient, organizer: dict[str, str], activity_id: str) -> bool:
    return (await r.get(f"/api/v1/activities/{activity_id}", headers=organizer)).status_code == 401


async def _recommended(v: httpx.AsyncClient, reviewer: dict[str, str], activity_id: str, unit_id: str) -> list[str]:
    """The reviewer recommends the activity (附件3) and the unit (附件2), naming the contacts."""
    activity_form = {
        "campaign_id": CAMPAIGN,
        "activity_id": activity_id,
        "reason": "组织动员充分",
        "main_content": "食品安全科普讲座",
        "contact_name": CONTACT_NAME,
        "contact_phone": CONTACT_PHONE,
    }
    unit_form = {
        "campaign_id": CAMPAIGN,
        "unit_id": unit_id,
        "unit_level": "县级",
        "staff_count": 8,
        "contact_name": UNIT_NAME,
        "contact_phone": UNIT_PHONE,
        "deeds": "组织开展科普活动 12 场",
    }
    ids = []
    for url, form in (("/api/v1/recommendations", activity_form), ("/api/v1/recommendations/units", unit_form)):

        async def sent(url: str = url, form: dict[str, Any] = form) -> httpx.Response | None:
            await v.post(f"/api/v1/review/activities/{activity_id}/approve", headers=reviewer)  # 409 once approved
            answer = await v.post(url, json=form, headers=reviewer)
            return answer if answer.status_code == 201 else None

        ids.append((await until(sent)).json()["id"])
    return ids


async def _counts(n: httpx.AsyncClient, v: httpx.AsyncClient, admin: dict[str, str], reviewer: dict[str, str]) -> Any:
    """The ledger's size once nothing is in flight (SMS and review outcomes in the inbox), and review's
    recommendations and box counts."""

    async def settled() -> int | None:
        ledger: dict[str, int] = (await n.get("/api/v1/messages", headers=admin)).json()["counts"]
        return None if ledger.get("queued") or ledger.get("sending") else sum(ledger.values())

    page = (await v.get(f"/api/v1/recommendations?campaign={CAMPAIGN}&box=sent", headers=reviewer)).json()
    return await until(settled), len(page["items"]), json.dumps(page["counts"], sort_keys=True)
