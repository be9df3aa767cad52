"""A forgotten password, across registration and notification on either bus: the code registration
asks for travels on the restricted contacts topic, notification texts it through its SMS channel to the
SMS stand-in, and the code read from the handset resets the password."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from harness.factories import PASSWORD
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification_app
from services.notification.channels.sms import HttpSms
from services.notification.settings import NotificationSettings
from services.notification.standin.app import create_standin
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.container import Registration
from services.registration.settings import RegistrationSettings
from tests.e2e.conftest import settings_env
from tests.notification.standin_support import KEY_ID, SECRET, handset, serving
from tests.notification.standin_support import settings as sms_settings

PHONE = "13912340505"
NEW = "a-new-password-42"


async def test_a_reset_code_is_texted_through_notification_and_resets_the_password(
    tmp_path: Path, bus_url: str
) -> None:
    options = settings_env(tmp_path, bus_url)
    registration = registration_app(build_registration(RegistrationSettings(**options)))  # type: ignore[arg-type]
    async with AsyncExitStack() as stack:
        standin = await stack.enter_async_context(serving(create_standin(SECRET, KEY_ID, None)))
        await stack.enter_async_context(registration.router.lifespan_context(registration))
        container: Registration = registration.state.container
        notification = notification_app(
            build_notification(
                NotificationSettings(**options, quiet_hours=""),  # type: ignore[arg-type]
                verifier=container.verifier,
                channels={"sms": HttpSms(sms_settings(standin))},
            )
        )
        await stack.enter_async_context(notification.router.lifespan_context(notification))
        r = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=registration), base_url="http://kepuri")
        )
        await container.accounts.create_staff("linwei-2", PASSWORD, "reviewer", "county", "610502", phone=PHONE)

        assert (await r.post("/api/v1/auth/password-reset/code", json={"phone": PHONE})).status_code == 202
        async with asyncio.timeout(60):
            while not (texts := await handset(standin, PHONE)):
                await asyncio.sleep(0.1)
        found = re.search(r"验证码 (\d{6})", texts[0]["text"])
        assert found, texts
        body = {"phone": PHONE, "code": found.group(1), "new_password": NEW}
        assert (await r.post("/api/v1/auth/password-reset", json=body)).status_code == 204
        token = await r.post("/api/v1/auth/token", json={"login": "linwei-2", "password": NEW})
        assert token.status_code == 200
