"""Every instant review answers carries its offset: SQLite gives stored datetimes back without their
zone, and a recommendation's ``created_at`` once came out as ``2026-09-20T08:00:00`` in every answer
(recommend, read, list, endorse, decline, withdraw, commend), as did the content queue's
``registered_at``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.timestamps import instants, unzoned
from tests.review.conftest import Service, activity, admin, campaign, reviewer, unit

COUNTY, CITY, PROVINCE = reviewer("county", "610502"), reviewer("city", "6105"), reviewer("province", "61")
NATIONAL = reviewer("national")


def nomination(activity_id: str) -> dict[str, Any]:
    return {
        "campaign_id": "2026",
        "activity_id": activity_id,
        "reason": "组织动员充分",
        "main_content": "科学实验展示",
        "contact_name": "王建国",
        "contact_phone": "13812345678",
    }


def answered(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_every_recommendation_answer_gives_created_at_its_zone(service: Service) -> None:
    await service.feed(campaign(), unit())
    post = service.client.post
    ids = [await service.eligible() for _ in range(3)]
    documents = [answered(await post("/api/v1/recommendations", json=nomination(i), headers=COUNTY), 201) for i in ids]
    chosen, declined, withdrawn = (d["id"] for d in documents)
    form = {"campaign_id": "2026", "unit_id": "unit-1", "unit_level": "县级", "staff_count": 12}
    form |= {"contact_name": "李明", "contact_phone": "0913-2123456", "deeds": "组织开展科普活动 30 场"}
    documents.append(answered(await post("/api/v1/recommendations/units", json=form, headers=COUNTY), 201))
    documents.append(answered(await service.client.get(f"/api/v1/recommendations/{chosen}", headers=COUNTY)))
    documents.append(
        answered(await service.client.get("/api/v1/recommendations?campaign=2026&box=all", headers=admin()))
    )
    for who in (CITY, PROVINCE, NATIONAL):
        act = f"/api/v1/recommendations/{chosen}/endorse"
        documents.append(answered(await post(act, json={"opinion": "同意"}, headers=who)))
    act = f"/api/v1/recommendations/{declined}/decline"
    documents.append(answered(await post(act, json={"reason": "材料不全"}, headers=CITY)))
    documents.append(answered(await post(f"/api/v1/recommendations/{withdrawn}/withdraw", json={}, headers=COUNTY)))
    documents.append(answered(await post(f"/api/v1/recommendations/{chosen}/commend", json={}, headers=admin())))

    created = [d["created_at"] for d in documents if "created_at" in d]
    assert len(created) == 11 and len(instants(documents)) >= 14
    assert unzoned(documents) == []


async def test_the_content_review_answers_give_registered_at_its_zone(service: Service) -> None:
    registered = activity()
    await service.feed(campaign(), unit(), registered)
    queue = answered(await service.client.get("/api/v1/review/queue", headers=admin()))
    approve = f"/api/v1/review/activities/{registered.subject}/approve"
    approved = answered(await service.client.post(approve, json={}, headers=admin()))

    assert [item["registered_at"] for item in queue["items"]] != [] and approved["registered_at"]
    assert unzoned([queue, approved]) == []
