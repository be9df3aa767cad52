"""A campaign's ``thank_you_sms`` setting decides whether its science workers are thanked: off, none
is reserved; turned off later, the thank-yous not yet sent are cancelled; turned on (again), every
info-completed activity's workers are thanked, each once. A campaign that does not say sends them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.notification.adapters.tables import messages
from tests.notification.conftest import Recorder, Service, admin, campaign, completed, listed, registered


async def states(service: Service) -> dict[str, str]:
    m = messages
    async with service.container.backbone.engine.connect() as connection:
        return dict((await connection.execute(select(m.c.recipient, m.c.state))).all())  # type: ignore[arg-type]


async def thank(service: Service, campaign_id: str, *phones: str) -> None:
    activity = registered(campaign_id=campaign_id)
    await service.feed(activity, listed(activity.subject, *phones), completed(activity.subject))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_campaign_without_thank_you_sms_thanks_nobody(service: Service, recorder: Recorder) -> None:
    await service.feed(
        campaign("off", settings={"thank_you_sms": False}), campaign("on", settings={"thank_you_sms": True})
    )
    await service.feed(campaign("unsaid"))
    await thank(service, "off", "13900001111")
    await thank(service, "on", "13900002222")
    await thank(service, "unsaid", "13900003333")
    await service.dispatch()
    assert sorted(m.to for m in recorder.sent) == ["13900002222", "13900003333"]
    assert "13900001111" not in await states(service)


async def test_turned_off_later_the_thank_yous_not_yet_sent_are_cancelled(service: Service, recorder: Recorder) -> None:
    await service.feed(campaign("2026", settings={"thank_you_sms": True}))
    await thank(service, "2026", "13900001111")
    await service.dispatch()
    await thank(service, "2026", "13900002222")  # reserved, not sent yet
    await service.feed(campaign("2026", settings={"thank_you_sms": False}))
    await service.dispatch()
    assert [m.to for m in recorder.sent] == ["13900001111"]
    assert await states(service) == {"13900001111": "sent", "13900002222": "cancelled"}

    page = await service.client.get("/api/v1/messages", headers=admin())
    cancelled = next(item for item in page.json()["items"] if item["state"] == "cancelled")
    assert "感谢短信" in cancelled["error"]


async def test_turned_on_later_every_completed_activity_is_thanked_once(service: Service, recorder: Recorder) -> None:
    await service.feed(campaign("2026", settings={"thank_you_sms": True}))
    await thank(service, "2026", "13900001111")
    await service.feed(campaign("2026", settings={"thank_you_sms": False}))  # cancels 1111's
    await thank(service, "2026", "13900002222")  # completed while off: nothing reserved
    await service.dispatch()
    assert recorder.sent == [] and await states(service) == {"13900001111": "cancelled"}

    await service.feed(campaign("2026", settings={"thank_you_sms": True}))
    await service.feed(campaign("2026", settings={"thank_you_sms": True}))  # configured again: nothing twice
    await service.dispatch()
    assert sorted(m.to for m in recorder.sent) == ["13900001111", "13900002222"]
    assert set((await states(service)).values()) == {"sent"}
