"""The 2022 notice has the science-worker list completed with the activity's information: a worker
listed after the activity (and after the info completion) is thanked exactly once, and those thanked
already are not thanked again — registration and notification in this process, on either bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from harness.factories import activity_body
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification_app
from services.notification.channels.base import Outgoing, Sent
from services.notification.settings import NotificationSettings
from shared.auth import TokenVerifier, generate_private_key_pem, public_key_pem

from .conftest import Platform, settings_env

FIRST = [{"name": "李明华", "phone": "13900001111"}, {"name": "赵晓燕", "phone": "13900003333"}]
LATER = {"name": "孙立新", "phone": "13900002222"}
LAST = {"name": "周海燕", "phone": "13900004444"}


class Recorder:
    """The SMS channel port, recording what it is asked to send."""

    name = "sms"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Sent:
        self.sent.append(message)
        return Sent(f"p-{len(self.sent)}")


@pytest.fixture
async def recorder(platform: Platform, tmp_path: Path) -> AsyncIterator[Recorder]:
    """The notification service on the platform's bus, sending through a recording channel at any hour."""
    sent = Recorder()
    settings = NotificationSettings(**settings_env(tmp_path, platform.bus_url), quiet_hours="")  # type: ignore[arg-type]
    app = notification_app(
        build_notification(
            settings, verifier=TokenVerifier(public_key_pem(generate_private_key_pem())), channels={"sms": sent}
        )
    )
    async with app.router.lifespan_context(app):
        yield sent


async def thanked(recorder: Recorder, count: int) -> list[str]:
    async with asyncio.timeout(60):
        while len(recorder.sent) < count:
            await asyncio.sleep(0.05)
    return sorted(message.to for message in recorder.sent)


async def test_a_worker_added_after_the_info_is_thanked_once_and_the_others_not_again(
    platform: Platform, recorder: Recorder
) -> None:
    r = platform.registration
    body = activity_body(starts_in=-timedelta(hours=2), science_workers=FIRST)
    created = await r.post("/api/v1/activities", json=body)
    assert created.status_code == 201, created.text
    url = f"/api/v1/activities/{created.json()['id']}"
    info = {"actual_participants": 80, "summary": "圆满完成"}
    assert (await r.put(f"{url}/info", json=info, headers={"If-Match": '"1"'})).status_code == 200
    assert await thanked(recorder, 2) == ["13900001111", "13900003333"]

    listed = await r.put(
        f"{url}/science-workers", json={"science_workers": [*FIRST, LATER]}, headers={"If-Match": '"2"'}
    )
    assert listed.status_code == 200, listed.text
    assert await thanked(recorder, 3) == ["13900001111", "13900002222", "13900003333"]
    # a worker dropped and listed again is not thanked again; the one added with them is, once (and,
    # the lists of one activity arriving in order, shows that the earlier list has been applied)
    for version, workers in (("3", [FIRST[0], LATER]), ("4", [*FIRST, LATER, LAST])):
        again = await r.put(
            f"{url}/science-workers", json={"science_workers": workers}, headers={"If-Match": f'"{version}"'}
        )
        assert again.status_code == 200, again.text
    assert await thanked(recorder, 4) == ["13900001111", "13900002222", "13900003333", "13900004444"]
