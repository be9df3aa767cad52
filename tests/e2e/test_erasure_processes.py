"""Erasure against registration running as an OS process: the operator's ``kepuri erase`` and the admin
API erase a listed science worker; the process's answers, its database file and the embedded log then
hold neither phone nor name, the audit event is on the privacy topic, and the count stays."""

from __future__ import annotations

import asyncio
import getpass
import json
import subprocess
import sys
from pathlib import Path

import httpx

from harness.factories import PASSWORD, activity_body, prepare_registration
from harness.processes import ServiceProcess
from services.registration.settings import RegistrationSettings
from shared.events import from_record
from shared.events.topics import CONTACTS, PRIVACY
from tests.e2e.erasure_support import files_holding, from_the_start

CLI_NAME, CLI_PHONE = "诸葛工程", "13955504321"
API_NAME, API_PHONE = "上官研究", "13955509876"
SECRETS = [s.encode() for s in (CLI_NAME, CLI_PHONE, API_NAME, API_PHONE)]


async def test_an_operator_and_an_admin_erase_people_from_a_running_registration(tmp_path: Path) -> None:
    bus_url = f"embedded:{tmp_path / 'bus.db'}"
    settings = RegistrationSettings(data_dir=tmp_path, bus_url=bus_url, environment="test")  # type: ignore[call-arg]
    organizer = await prepare_registration(settings)
    registration = ServiceProcess("registration", tmp_path, bus_url)
    registration.start()
    try:
        async with httpx.AsyncClient(base_url=registration.url, timeout=30) as client:
            workers = [{"name": CLI_NAME, "phone": CLI_PHONE}, {"name": API_NAME, "phone": API_PHONE}]
            body = activity_body(science_workers=workers)
            created = await client.post("/api/v1/activities", json=body, headers=organizer)
            assert created.status_code == 201, created.text

            env = {**registration.env, "KEPURI_STAFF_PASSWORD": PASSWORD}
            staff = [sys.executable, "-m", "cli", "staff", "create", "--role", "admin", "--login", "dpo-1"]
            assert (await asyncio.to_thread(subprocess.run, staff, env=env, capture_output=True)).returncode == 0
            erase = [sys.executable, "-m", "cli", "erase"]
            phone = f"{CLI_PHONE}\n".encode()
            done = await asyncio.to_thread(subprocess.run, erase, env=env, input=phone, capture_output=True)
            assert done.returncode == 0 and b"1 science-worker entries" in done.stdout, done.stderr
            assert CLI_PHONE.encode() not in done.stdout + done.stderr

            token = await client.post("/api/v1/auth/token", json={"login": "dpo-1", "password": PASSWORD})
            admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
            erased = await client.post("/api/v1/erasures", json={"phone": API_PHONE}, headers=admin)
            assert erased.status_code == 200 and erased.json()["erased"] is True
            again = await client.post("/api/v1/erasures", json={"phone": API_PHONE}, headers=admin)
            assert again.status_code == 200 and again.json()["erased"] is False

            activity = (await client.get(f"/api/v1/activities/{created.json()['id']}", headers=organizer)).json()
            assert activity["science_workers"] == [] and activity["erased_science_workers"] == 2
            assert not [s for s in SECRETS if s in json.dumps(activity, ensure_ascii=False).encode()]
    finally:
        registration.stop()
    audits = [from_record(r) for r in await from_the_start(bus_url, [PRIVACY.name], "audit")]
    # the command's relay and the service's may both publish its event: at least once, told apart by subject
    assert {a.type for a in audits} == {"personal-data-erased"} and len({a.subject for a in audits}) == 2
    assert {a.data["requested_by"] for a in audits} >= {f"operator:{getpass.getuser()}"}
    assert await from_the_start(bus_url, [CONTACTS.name], "backup")  # the sealed list is still in the log
    assert files_holding(tmp_path, SECRETS) == {}
