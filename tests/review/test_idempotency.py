"""Every creating POST of review honours an Idempotency-Key: a retry gets the first answer and writes nothing.

Recommending an activity or a unit and attaching a file to a summary report, on SQLite and PostgreSQL;
a retry with the key while the first is in flight writes once as well (both get the one answer).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.review.adapters.tables import recommendations

from .conftest import Service, activity, campaign, reviewer, unit

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
COUNTY = reviewer("county", "610502")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
CONTACT = {"campaign_id": "2026", "contact_name": "王建国", "contact_phone": "13812345678"}
FORM = {**CONTACT, "reason": "组织动员充分，参与人数多", "main_content": "面向中小学生开展科学实验展示和科普讲座"}


async def count(service: Service, table: Any) -> int:
    async with service.container.backbone.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


@BOTH
async def test_recommending_twice_with_one_key_recommends_once(service: Service) -> None:
    await service.feed(campaign(), unit())
    activity_id = await service.eligible()
    body = {**FORM, "activity_id": activity_id}
    key = {**COUNTY, "Idempotency-Key": "rec-1"}
    first = await service.client.post("/api/v1/recommendations", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = await service.client.post("/api/v1/recommendations", json=body, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await count(service, recommendations) == 1
    other = await service.client.post("/api/v1/recommendations", json={**body, "reason": "另一个理由"}, headers=key)
    assert other.status_code == 422  # the key was used with another body
    without = await service.client.post("/api/v1/recommendations", json=body, headers=COUNTY)
    assert without.status_code == 409  # without a key it is a new request: already recommended


@BOTH
async def test_concurrent_unit_recommendations_with_one_key_write_once(service: Service) -> None:
    await service.feed(campaign(), unit(), activity())
    form = {**CONTACT, "unit_id": "unit-1", "unit_level": "县级", "staff_count": 20, "deeds": "事迹突出"}
    key = {**COUNTY, "Idempotency-Key": "unit-1"}
    answers = await asyncio.gather(
        *(service.client.post("/api/v1/recommendations/units", json=form, headers=key) for _ in range(3))
    )
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await count(service, recommendations) == 1


@BOTH
async def test_attaching_a_file_twice_with_one_key_attaches_it_once(service: Service) -> None:
    deadline = date.today() + timedelta(days=5)
    await service.feed(campaign(summary_deadline=deadline, settings={"summary": {"reporters": ["county"]}}))
    params = {"campaign": "2026", "filename": "总结.pdf"}
    key = {**COUNTY, "Idempotency-Key": "file-1"}
    first = await service.client.post("/api/v1/summaries/attachments", params=params, content=PDF, headers=key)
    assert first.status_code == 201, first.text
    again = await service.client.post("/api/v1/summaries/attachments", params=params, content=PDF, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert len(again.json()["attachments"]) == 1
    mine = await service.client.get("/api/v1/summaries/mine", params={"campaign": "2026"}, headers=COUNTY)
    assert len(mine.json()["attachments"]) == 1
