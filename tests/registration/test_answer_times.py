"""Every instant registration answers carries its offset, on SQLite (which gives stored datetimes
back without their zone) as on PostgreSQL: an activity as its organizer reads it, the organizer's
dashboard and drafts, the public directory's list and detail, the campaigns. Answers built without a
response model are walked here too (tests/unit/test_answer_times.py walks the models)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import activity_body
from tests.fixtures.timestamps import instants, unzoned

from .conftest import Service
from .test_directory_search import listed, named


def answered(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_every_registration_answer_gives_its_instants_their_zone(service: Service) -> None:
    [public] = await listed(service, named("天文观测科普讲座"))  # the directory's view, fed as its consumer would
    await service.campaign("2026-b")
    me = await service.organizer()
    get = service.client.get
    body = activity_body("2026-b")
    created = answered(await service.client.post("/api/v1/activities", json=body, headers=me), 201)
    draft = answered(await service.client.post("/api/v1/drafts", json={"name": "观星夜"}, headers=me), 201)
    documents = [
        created,
        answered(await get(f"/api/v1/activities/{created['id']}", headers=me)),
        answered(await get("/api/v1/dashboard", headers=me)),
        draft,
        answered(await get(f"/api/v1/drafts/{draft['id']}", headers=me)),
        answered(await get("/api/v1/drafts", headers=me)),
        answered(await get("/api/v1/directory/activities")),
        answered(await get(f"/api/v1/directory/activities/{public}")),
        answered(await get("/api/v1/campaigns")),
    ]

    assert len(instants(documents)) >= 12, instants(documents)
    assert unzoned(documents) == []
