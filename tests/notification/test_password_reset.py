"""Password-reset codes: one SMS per request, at once even in quiet hours and to an opted-out phone
(the person just asked for it), never when the code has already expired, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.events import Envelope
from shared.events.payloads.restricted import PasswordResetRequested
from tests.notification.conftest import Recorder, Service, admin, envelope

PHONE = "13900002222"
NIGHT = datetime(2026, 9, 20, 14, 30, tzinfo=UTC)  # 22:30 in China


def requested(expires_at: datetime, code: str = "482913") -> Envelope:
    payload = PasswordResetRequested(account_id="a1", phone=PHONE, code=code, expires_at=expires_at)
    return envelope(payload, "a1")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_reset_code_is_texted_at_once_even_at_night_and_to_an_opted_out_phone(
    service: Service, recorder: Recorder
) -> None:
    assert (await service.client.post("/api/v1/opt-outs", json={"phone": PHONE}, headers=admin())).status_code == 204
    service.clock.now = NIGHT
    event = requested(NIGHT + timedelta(minutes=10))
    await service.feed(event)
    await service.feed(event)  # redelivered: nothing more
    assert await service.dispatch() == 1
    [sent] = recorder.sent
    assert sent.to == PHONE and "482913" in sent.text and "10 分钟" in sent.text
    listed = (await service.client.get("/api/v1/messages", headers=admin())).json()["items"]
    assert "482913" not in str(listed)  # the ledger's answers never hold the code


async def test_an_expired_code_is_not_sent(service: Service, recorder: Recorder) -> None:
    await service.feed(requested(service.clock.now - timedelta(seconds=1)))
    assert await service.dispatch() == 0 and recorder.sent == []
