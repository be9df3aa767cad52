"""Days and instants outside 2000-01-01..2199-12-31 (year 1, year 9999: where Python's dates overflow)
are a 422 naming the field, never a 500, in every registration input: the directory's filters and its
cursor, an activity's times (POST, PUT, a draft), a 附件1 row's 活动时间, a campaign's days."""

from __future__ import annotations

from typing import Any

import pytest

from shared.web.cursor import encode_cursor
from tests.factories import activity_body

from .conftest import Service
from .test_activities import rows
from .test_campaigns import body as campaign_body
from .test_campaigns import fields
from .test_sheets import good_row, upload, workbook

OUT_OF_RANGE_DAYS = ("0001-01-01", "1999-12-31", "2200-01-01", "9999-12-31")
TIMES = [
    ("0001-01-01T00:00:00+08:00", "0001-01-01T02:00:00+08:00"),  # before UTC's year 1 begins
    ("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),  # after UTC's year 9999 ends
    ("9999-12-31T20:00:00+00:00", "9999-12-31T22:00:00+00:00"),  # China's calendar runs past 9999
    ("1999-12-31T09:00:00+08:00", "1999-12-31T11:00:00+08:00"),
]


def refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in answer.json()["errors"]}, answer.json()


@pytest.mark.parametrize("day", OUT_OF_RANGE_DAYS)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
async def test_directory_filters_out_of_range_are_422(service: Service, name: str, day: str) -> None:
    refused(await service.client.get("/api/v1/directory/activities", params={name: day}), name)


async def test_directory_filters_at_the_ends_of_the_range_are_answered(service: Service) -> None:
    params = {"date_from": "2000-01-01", "date_to": "2199-12-31"}
    answer = await service.client.get("/api/v1/directory/activities", params=params)
    assert answer.status_code == 200 and answer.json()["items"] == []


@pytest.mark.parametrize("starts", ["0001-01-01T08:00:00+08:00", "9999-12-31T20:00:00-05:00", "yesterday"])
async def test_a_directory_cursor_out_of_range_is_422(service: Service, starts: str) -> None:
    cursor = encode_cursor(["s", starts, "a1"])
    refused(await service.client.get("/api/v1/directory/activities", params={"cursor": cursor}), "cursor")


@pytest.mark.parametrize(("starts", "ends"), TIMES)
async def test_activity_times_out_of_range_are_422_and_write_nothing(service: Service, starts: str, ends: str) -> None:
    await service.campaign()
    me = await service.organizer()
    before = await rows(service, "outbox")
    answer = await service.client.post(
        "/api/v1/activities", json=activity_body(starts_at=starts, ends_at=ends), headers=me
    )
    refused(answer, "starts_at")
    assert {e["field"] for e in answer.json()["errors"]} == {"starts_at", "ends_at"}
    refused(await service.client.post("/api/v1/drafts", json={"starts_at": starts}, headers=me), "starts_at")
    assert await rows(service, "outbox") == before and await rows(service, "drafts") == 0


async def test_a_change_to_an_out_of_range_time_is_422(service: Service) -> None:
    await service.campaign()
    me = await service.organizer()
    created = await service.client.post("/api/v1/activities", json=activity_body(), headers=me)
    details = {k: v for k, v in activity_body().items() if k != "campaign_id"}
    url = f"/api/v1/activities/{created.json()['id']}"
    answer = await service.client.put(
        url, json=details | {"ends_at": "9999-12-31T23:59:59+00:00"}, headers={**me, "If-Match": '"1"'}
    )
    refused(answer, "ends_at")
    assert (await service.client.get(url, headers=me)).headers["ETag"] == '"1"'


@pytest.mark.parametrize("typed", ["9999-12-31", "9999-12-31 09:00-11:00", "0001-01-01 09:00-11:00", "1999-12-31"])
async def test_a_sheet_time_out_of_range_is_refused_in_its_column(service: Service, typed: str) -> None:
    await service.campaign()
    me = await service.organizer()
    answer = await upload(service, workbook([good_row(1, 活动时间=typed)]), me)
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["rows"]
    assert row["status"] == "refused" and row["errors"][0]["column"] == "活动时间", row
    assert await rows(service, "activities") == 0


@pytest.mark.parametrize(
    ("path", "day"),
    [
        ("info_completion_deadline", "9999-12-31"),
        ("recommendation_deadline", "2200-01-01"),
        ("registration.opens_on", "0001-01-01"),
        ("registration.closes_on", "9999-12-31"),
        ("settings.key_activity_plan_deadline", "9999-12-31"),
        ("settings.recommendation.windows", {"county": {"closes_on": "9999-12-31"}}),
    ],
)
async def test_campaign_days_out_of_range_are_422(service: Service, path: str, day: Any) -> None:
    admin = await service.admin()
    answer = await service.client.post("/api/v1/campaigns", json=campaign_body((path, day)), headers=admin)
    assert answer.status_code == 422, answer.text
    assert any(f.startswith(path.rsplit(".", 1)[0] if "windows" in path else path) for f in fields(answer))
