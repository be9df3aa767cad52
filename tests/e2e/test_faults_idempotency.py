"""Fault 7: clients retrying with one Idempotency-Key, at once and one after another.

``POST /api/v1/activities`` honours the header through shared/web/idempotency.py's dependency (a spreadsheet import
is made idempotent per row instead, tests/registration/test_sheets.py). Ten concurrent retries and a
later one get one activity and the same answer; the same key from another unit is that unit's own
request; analytics counts each activity once. Retries across a SIGKILL: tests/e2e/test_faults_kill.py.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import overview_when
from tests.factories import activity_body, organizer_headers


@pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)
async def test_concurrent_and_later_retries_with_one_key_are_one_registration_with_one_answer(
    platform: Platform,
) -> None:
    body = activity_body(region_code="610502")
    key = {"Idempotency-Key": "retry-2026-0915"}
    at_once = await asyncio.gather(
        *(platform.registration.post("/api/v1/activities", json=body, headers=key) for _ in range(10))
    )
    assert {r.status_code for r in at_once} == {201}
    assert len({r.content for r in at_once}) == 1, "every retry gets the first answer"
    later = await platform.registration.post("/api/v1/activities", json=body, headers=key)
    assert later.status_code == 201 and later.content == at_once[0].content
    assert later.headers["Idempotent-Replayed"] == "true"

    other_unit = await organizer_headers(platform.registration_app.state.container, phone="13700000002")
    theirs = await platform.registration.post("/api/v1/activities", json=body, headers={**key, **other_unit})
    assert theirs.status_code == 201 and theirs.json()["id"] != later.json()["id"], "a key is the caller's own"
    await overview_when(platform, 2)
    await asyncio.sleep(1.5)
    await overview_when(platform, 2, timeout=1)
