"""Erasure of personal data (PIPL art. 47) by crypto-shredding, on both buses: after an admin erases a
science worker, an activity's contact person and a unit's own contact person (whose phone is its
login), no service (registration, review, notification, analytics), answer, export, recommendation
form, ledger, database file, backup of the restricted topic or replay shows their phone or name again,
the unit's account is closed while the unit and its activity stay, and every count stays as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from harness.factories import PASSWORD
from services.analytics.replay import replay_analytics
from services.analytics.settings import AnalyticsSettings
from services.notification.adapters.tables import messages, workers
from shared.consumer import Delivery
from shared.events import CATALOG, from_record
from shared.events.topics import CONTACTS
from shared.store import sync_transaction
from tests.e2e.erasure_support import (
    CONTACT_PHONE,
    KEPT_PHONE,
    SECRETS,
    UNIT_CONTACT_PHONE,
    WORKER_PHONE,
    Platform,
    answers,
    files_holding,
    from_the_start,
    notification_on,
    recommended_with_contacts,
    running_platform,
    thank_science_workers,
    unit_with_own_contact,
    until,
)
from tests.notification.conftest import Recorder


async def counts(platform: Platform, activity_id: str) -> dict[str, Any]:
    """What must not change: the science-worker count everywhere, the deliveries, the statistics, the
    recommendations."""
    got = await answers(platform, activity_id)
    activity = json.loads(got["activity"])
    statistics = json.loads(got["statistics"])
    recommended = json.loads(got["recommendations"])
    return {
        "workers": len(activity["science_workers"]) + activity["erased_science_workers"],
        "statistics": statistics["totals"],
        "deliveries": json.loads(got["deliveries"]),
        "ledger": json.loads(got["messages"])["counts"],
        "recommendations": (len(recommended["items"]), recommended["counts"]),
    }


async def test_an_erased_person_is_nowhere_and_the_counts_stay(tmp_path: Path, bus_url: str) -> None:
    async with running_platform(tmp_path, bus_url) as platform:
        activity_id = await thank_science_workers(platform)
        unit_id, unit_activity, unit_organizer = await unit_with_own_contact(platform)
        recommendation_ids = await recommended_with_contacts(platform, activity_id, unit_id)
        before = await counts(platform, activity_id)
        assert before["workers"] == 2 and before["statistics"]["science_workers"] == 2
        assert before["statistics"]["activities"] == 2 and before["recommendations"][0] == 2

        erase = {"phone": WORKER_PHONE}
        first = await platform.registration.post("/api/v1/erasures", json=erase, headers=platform.admin)
        assert first.status_code == 200, first.text
        assert first.json() | {"erasure_id": None} == {
            "erased": True,
            "erasure_id": None,
            "science_worker_entries": 1,
            "contact_entries": 0,
            "keys_destroyed": 1,
            "unit_contacts": 0,
            "accounts_closed": 0,
        }
        contact = await platform.registration.post(
            "/api/v1/erasures", json={"phone": CONTACT_PHONE}, headers=platform.admin
        )
        assert contact.status_code == 200 and contact.json()["contact_entries"] == 1
        own = await platform.registration.post(
            "/api/v1/erasures", json={"phone": UNIT_CONTACT_PHONE}, headers=platform.admin
        )
        assert own.status_code == 200 and (own.json()["unit_contacts"], own.json()["accounts_closed"]) == (1, 1)
        again = await platform.registration.post("/api/v1/erasures", json=erase, headers=platform.admin)
        assert again.status_code == 200 and again.json()["erased"] is False  # idempotent: nothing left

        await until(lambda: _forgotten(platform, WORKER_PHONE))
        await until(lambda: _review_forgot(platform, recommendation_ids))
        await _settled(platform)
        for name, body in (await answers(platform, activity_id, recommendation_ids)).items():
            assert not [s for s in SECRETS if s in body], f"{name} still shows the erased person"
        assert await counts(platform, activity_id) == before
        await _account_closed(platform, unit_organizer, unit_activity)

        backup = [bytes(r.value) for r in await from_the_start(bus_url, [CONTACTS.name], "backup")]
        assert backup and not [s for v in backup for s in SECRETS if s in v]
        await _sealed_for_good(platform, backup)

        await _replayed_notification_forgets(tmp_path, platform, bus_url)
        assert await replay_analytics(AnalyticsSettings(**platform.options), quiet=True)  # type: ignore[arg-type]
        assert await counts(platform, activity_id) == before
    assert files_holding(tmp_path, SECRETS) == {}  # every database, its WAL, the embedded log


async def test_erasure_is_for_admins_and_refuses_a_malformed_phone(tmp_path: Path, bus_url: str) -> None:
    async with running_platform(tmp_path, bus_url) as platform:
        url = "/api/v1/erasures"
        refused = await platform.registration.post(url, json={"phone": WORKER_PHONE}, headers=platform.organizer)
        assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
        anonymous = await platform.registration.post(url, json={"phone": WORKER_PHONE})
        assert anonymous.status_code == 401
        bad = await platform.registration.post(url, json={"phone": "12345abcde"}, headers=platform.admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"


async def _review_forgot(platform: Platform, recommendation_ids: list[str]) -> bool:
    """Review blanked the contacts the reviewer typed into both forms (附件3 and 附件2)."""
    for recommendation_id in recommendation_ids:
        got = await platform.review.get(f"/api/v1/recommendations/{recommendation_id}", headers=platform.reviewer)
        form = got.json()["form"]
        if form["contact_name"] is not None or form["contact_phone"] is not None:
            return False
    return True


async def _account_closed(platform: Platform, organizer: dict[str, str], activity_id: str) -> None:
    """The unit's own contact logged in with the erased phone: the account is closed (its token refused,
    no login with the phone, no account found by it), disabled by the admin on record; the unit's
    activity stays, for the admin and in the counts."""
    r = platform.registration
    assert (await r.get(f"/api/v1/activities/{activity_id}", headers=organizer)).status_code == 401
    login = {"login": UNIT_CONTACT_PHONE, "password": PASSWORD}
    assert (await r.post("/api/v1/auth/token", json=login)).status_code == 401
    found = await r.get("/api/v1/accounts", params={"login": UNIT_CONTACT_PHONE}, headers=platform.admin)
    assert found.status_code == 404
    kept = await r.get(f"/api/v1/activities/{activity_id}", headers=platform.admin)
    assert kept.status_code == 200 and kept.json()["contact_name"]  # the activity's own contact stays
    backbone = platform.container.backbone
    async with backbone.engine.connect() as connection:
        t = backbone.tables.events
        disabled = (await connection.execute(select(t.c.data).where(t.c.type == "account-disabled"))).all()
    assert len(disabled) == 1 and json.loads(disabled[0][0])["by"] != ""


async def _forgotten(platform: Platform, phone: str) -> bool:
    engine = platform.apps["notification"].state.container.backbone.engine
    async with engine.connect() as connection:
        left = await connection.scalar(select(messages.c.recipient).where(messages.c.recipient == phone))
        listed = await connection.scalar(select(workers.c.phone).where(workers.c.phone == phone))
    return left is None and listed is None


async def _settled(platform: Platform) -> None:
    """Let analytics catch up with everything published (the erasure events included)."""
    for app in platform.apps.values():
        await app.state.container.backbone.relay.relay_once()


async def _sealed_for_good(platform: Platform, backup: list[bytes]) -> None:
    """The backup's sealed entries: the erased person's key is gone, the other worker's still opens."""
    key_ids = {w["key_id"] for v in backup for w in json.loads(v)["workers"]}
    keys = await platform.container.vault.get(key_ids)
    assert len(key_ids) == 2 and len(keys) == 1


async def _replayed_notification_forgets(tmp_path: Path, platform: Platform, bus_url: str) -> None:
    """Notification's planner on a new database, fed every stream it reads from the start (a replay):
    it learns only the kept worker, and reserves a thank-you for nobody else."""
    replayed = notification_on(
        platform.options, tmp_path / "notification-replayed.db", platform.container.verifier, Recorder()
    )
    async with replayed.router.lifespan_context(replayed):
        await replayed.state.container.dispatcher.stop()  # a view rebuilt, not a second sender
        backbone = replayed.state.container.backbone
        planner = next(c.projection for c in backbone.consumers if c.projection.name == "notification.thank-you")
        records = await from_the_start(bus_url, list(planner.topics), "replay")
        deliveries = []
        for record in records:
            envelope = from_record(record)
            deliveries.append(Delivery(record, envelope, CATALOG.payload(envelope)))
        await planner.prepare(deliveries)
        await sync_transaction(backbone.engine, lambda connection: planner.apply(connection, deliveries))
        async with backbone.engine.connect() as connection:
            assert [p for (p,) in await connection.execute(select(workers.c.phone))] == [KEPT_PHONE]
            assert [r for (r,) in await connection.execute(select(messages.c.recipient))] == [KEPT_PHONE]
