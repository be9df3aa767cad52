"""Thank-you SMS to listed science workers: reserved once per worker and activity when the activity's
information is completed, in the organizer's name; sent by the dispatcher with quiet hours, opt-outs,
retries and permanent failures recorded; the organizer sees every message's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.notification.adapters.tables import messages
from tests.notification.conftest import (
    Recorder,
    Service,
    admin,
    campaign,
    completed,
    listed,
    organizer,
    registered,
)


async def ledger(service: Service) -> list[tuple[str, str, str]]:
    m = messages
    async with service.container.backbone.engine.connect() as connection:
        rows = await connection.execute(select(m.c.recipient, m.c.state, m.c.kind).order_by(m.c.recipient))
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def outbox_types(service: Service) -> list[bytes]:
    o = service.container.backbone.tables.outbox
    async with service.container.backbone.engine.connect() as connection:
        return list(await connection.scalars(select(o.c.value).where(o.c.topic == "kepuri.notifications.v1")))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_each_listed_worker_is_thanked_once_in_the_organizers_name(service: Service, recorder: Recorder) -> None:
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111", "13900002222"))
    assert await ledger(service) == []  # nothing before the information is completed
    await service.feed(completed(activity.subject))
    await service.feed(completed(activity.subject))  # completed again, and a redelivery
    assert [r[:2] for r in await ledger(service)] == [("13900001111", "queued"), ("13900002222", "queued")]

    assert await service.dispatch() == 2
    assert sorted(m.to for m in recorder.sent) == ["13900001111", "13900002222"]
    assert all(m.text.endswith("渭南市科学技术协会") for m in recorder.sent), "in the organizer's name"
    assert all("科学家" in m.text and "走进科技馆" in m.text for m in recorder.sent)
    assert {r[1] for r in await ledger(service)} == {"sent"}
    assert await service.dispatch() == 0  # nothing twice
    assert len(await outbox_types(service)) == 2
    assert all(b"13900001111" not in v for v in await outbox_types(service)), "events carry masked numbers"


async def test_a_list_that_arrives_late_or_grows_is_still_thanked_once_each(
    service: Service, recorder: Recorder
) -> None:
    activity = registered()
    await service.feed(campaign(), activity, completed(activity.subject))
    await service.feed(listed(activity.subject, "13900001111"))
    await service.feed(listed(activity.subject, "13900001111", "13900003333"))
    await service.dispatch()
    assert sorted(m.to for m in recorder.sent) == ["13900001111", "13900003333"]


async def test_quiet_hours_hold_sms_until_eight(service: Service, recorder: Recorder) -> None:
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111"), completed(activity.subject))
    service.clock.now = datetime(2026, 9, 20, 14, 30, tzinfo=UTC)  # 22:30 in China
    assert await service.dispatch() == 0
    assert recorder.sent == []
    async with service.container.backbone.engine.connect() as connection:
        due = await connection.scalar(select(messages.c.next_attempt_at))
    assert due is not None and due.replace(tzinfo=UTC) == datetime(2026, 9, 21, 0, 0, tzinfo=UTC)  # 08:00 China
    service.clock.now = datetime(2026, 9, 21, 0, 0, tzinfo=UTC)
    assert await service.dispatch() == 1


async def test_an_opted_out_recipient_gets_nothing_and_the_reason_is_recorded(
    service: Service, recorder: Recorder
) -> None:
    refused = await service.client.post("/api/v1/opt-outs", json={"phone": "13900001111"}, headers=organizer())
    assert refused.status_code == 403
    recorded = await service.client.post("/api/v1/opt-outs", json={"phone": "13900001111"}, headers=admin())
    assert recorded.status_code == 204
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111"), completed(activity.subject))
    await service.dispatch()
    assert recorder.sent == []
    page = (await service.client.get("/api/v1/messages", headers=organizer())).json()
    assert page["items"][0]["state"] == "failed" and "退订" in page["items"][0]["error"]


async def test_transient_failures_are_retried_with_backoff_and_permanent_ones_fail_with_the_reason(
    service: Service, recorder: Recorder
) -> None:
    activity = registered()
    await service.feed(
        campaign(), activity, listed(activity.subject, "13900000000", "13900000001"), completed(activity.subject)
    )
    await service.dispatch()
    states = {r[0]: r[1] for r in await ledger(service)}
    assert states == {"13900000000": "failed", "13900000001": "queued"}
    service.clock.now += timedelta(seconds=31)
    await service.dispatch()
    assert {r[0]: r[1] for r in await ledger(service)}["13900000001"] == "sent"
    page = (await service.client.get("/api/v1/messages", headers=organizer())).json()
    failed = next(i for i in page["items"] if i["state"] == "failed")
    assert failed["error"] == "invalid number" and failed["recipient_masked"] == "139****0000"
    assert page["counts"] == {"failed": 1, "sent": 1}
    assert len(await outbox_types(service)) == 2  # one notification-sent, one notification-failed

    resent = await service.client.post(f"/api/v1/messages/{failed['notification_id']}/resend", headers=admin())
    assert resent.status_code == 200 and resent.json()["state"] == "queued"
    forbidden = await service.client.post(f"/api/v1/messages/{failed['notification_id']}/resend", headers=organizer())
    assert forbidden.status_code == 403
    unknown = await service.client.post("/api/v1/messages/nope/resend", headers=admin())
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")


async def test_organizers_see_only_messages_sent_in_their_name(service: Service) -> None:
    ours, theirs = registered(unit_id="unit-1"), registered(unit_id="unit-2")
    await service.feed(campaign(), ours, theirs)
    await service.feed(listed(ours.subject, "13900001111"), listed(theirs.subject, "13900002222"))
    await service.feed(completed(ours.subject), completed(theirs.subject))
    mine = (await service.client.get("/api/v1/messages", headers=organizer("unit-1"))).json()
    assert [i["activity_id"] for i in mine["items"]] == [ours.subject]
    assert "13900001111" not in str(mine)
    everything = (await service.client.get("/api/v1/messages", headers=admin())).json()
    assert len(everything["items"]) == 2
    assert (await service.client.get("/api/v1/messages")).status_code == 401
    bad = await service.client.get("/api/v1/messages", params={"state": "lost"}, headers=admin())
    assert bad.status_code == 422


async def test_a_message_left_sending_by_a_crash_is_sent_again_after_the_lease(
    service: Service, recorder: Recorder
) -> None:
    activity = registered()
    await service.feed(campaign(), activity, listed(activity.subject, "13900001111"), completed(activity.subject))
    m = messages
    async with service.container.backbone.engine.begin() as connection:  # as if killed after claiming
        await connection.execute(m.update().values(state="sending", attempts=1, updated_at=service.clock.now))
    assert await service.dispatch() == 0  # still leased
    service.clock.now += timedelta(minutes=3)
    assert await service.dispatch() == 1
    assert [msg.key for msg in recorder.sent] == [(await _ids(service))[0]], (
        "sent again under its own key, which the provider recognises"
    )


async def _ids(service: Service) -> list[str]:
    async with service.container.backbone.engine.connect() as connection:
        return list(await connection.scalars(select(messages.c.notification_id)))


async def _count(service: Service) -> int:
    async with service.container.backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(messages)) or 0)
