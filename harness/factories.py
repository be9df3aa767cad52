"""Builders of realistic registrations, campaigns and organizers, shared by the tests and the benchmarks
(events: :mod:`harness.events`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.registration.bootstrap import MIGRATIONS, build
from services.registration.container import Registration
from services.registration.domain.campaign import Campaign, Window
from services.registration.domain.unit import SignUpUnit
from services.registration.settings import RegistrationSettings
from shared.store.migrations import migrate

PROVINCES = ("11", "31", "44", "51", "61")
CAMPAIGN = "2026"
PASSWORD = "kepuri-2026-secret"


def activity_body(
    campaign_id: str = CAMPAIGN, *, starts_in: timedelta = timedelta(days=21), **changes: Any
) -> dict[str, Any]:
    """A complete registration (附件1 fields and more), starting ``starts_in`` from now."""
    starts = datetime.now(UTC).replace(microsecond=0) + starts_in
    body: dict[str, Any] = {
        "campaign_id": campaign_id,
        "name": "食品安全进社区科普讲座",
        "organizer": "渭南市临渭区实验中学",
        "co_organizers": ["渭南市食品药品检验所"],
        "category": "地方活动",
        "joint_action": "学会联合行动",
        "themes": ["食品安全", "卫生健康"],
        "target_groups": ["公众", "老年人"],
        "format": "both",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "region_code": "610502",
        "address": "渭南市临渭区朝阳大街 1 号社区活动中心",
        "longitude": 109.5099,
        "latitude": 34.4998,
        "online_url": "https://live.example.cn/kepuri/2026",
        "expected_participants": 200,
        "key_activity": True,
        "description": "讲解食品标签识读与常见食品安全误区。",
        "contact_name": "王建国",
        "contact_phone": "13812345678",
        "science_workers": [
            {"name": "李明华", "phone": "13900001111", "organisation": "西北农林科技大学"},
            {"name": "赵晓燕", "phone": "0913-2123456", "organisation": "渭南市疾控中心"},
        ],
    }
    body.update(changes)
    return body


def open_campaign(campaign_id: str = CAMPAIGN, *, auto_approve: bool = True) -> Campaign:
    """A campaign whose registration window is open today, with the lists :func:`activity_body` uses."""
    today = datetime.now(UTC).date()
    return Campaign(
        id=campaign_id,
        year=today.year,
        title=f"{today.year}年全国科普日",
        theme="提升全民科学素质 助力科技自立自强",
        week=Window(today + timedelta(days=20), today + timedelta(days=26)),
        registration=Window(today - timedelta(days=10), today + timedelta(days=26)),
        info_completion_deadline=today + timedelta(days=45),
        categories=("主场活动", "部委活动", "地方活动", "联合行动"),
        joint_actions=("学会联合行动", "企业联合行动", "科技馆联合行动"),
        themes=("乡村振兴", "卫生健康", "食品安全"),
        target_groups=("公众", "青少年", "老年人"),
        auto_approve=auto_approve,
    )


async def organizer_headers(registration: Registration, phone: str = "13700000001") -> dict[str, str]:
    """Configure the open campaign (if absent), sign a unit up, and return its Authorization header."""
    if await registration.campaigns.get(CAMPAIGN) is None:
        await registration.campaigns.configure(open_campaign(), 0)
    unit = SignUpUnit("渭南市科学技术协会", "society", "6105", "王建国", phone, PASSWORD)
    await registration.accounts.sign_up(unit)
    token = await registration.accounts.login(phone, PASSWORD, "tests")
    return {"Authorization": f"Bearer {token}"}


async def prepare_registration(settings: RegistrationSettings) -> dict[str, str]:
    """Before a registration process starts on ``settings``' database: the campaign and an organizer.

    Only the database is touched (migrations, then the writes); the events wait in the outbox for
    the service's relay.
    """
    registration = build(settings)
    backbone = registration.backbone
    await migrate(backbone.engine, MIGRATIONS)
    await backbone.writer.start()
    try:
        return await organizer_headers(registration)
    finally:
        await backbone.writer.stop()
        await backbone.engine.dispose()
