"""The 2022 notice has the science-worker list completed with the activity's information: the list is
open after the activity starts, until the campaign's info-completion deadline (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.registration.domain.campaign import chinese_date
from shared.events.topics import CONTACTS
from tests.factories import activity_body

from .conftest import Service
from .test_activities import outbox, rows

LATER = {"name": "孙立新", "phone": "13900002222", "organisation": "渭南师范学院"}


async def held_activity(service: Service, me: dict[str, str]) -> str:
    """An activity that started two hours ago, with the factory's two science workers."""
    created = await service.client.post(
        "/api/v1/activities", json=activity_body(starts_in=-timedelta(hours=2)), headers=me
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_after_the_activity_the_list_is_completed_until_the_info_deadline(service: Service) -> None:
    today = datetime.now(UTC).date()
    await service.campaign(info_completion_deadline=today + timedelta(days=5))
    me = await service.organizer()
    activity_id = await held_activity(service, me)
    url = f"/api/v1/activities/{activity_id}"
    listed = (await service.client.get(url, headers=me)).json()["science_workers"]

    # the details are frozen once it has started; the list is not
    frozen = await service.client.put(
        url, json={k: v for k, v in activity_body().items() if k != "campaign_id"}, headers={**me, "If-Match": '"1"'}
    )
    assert frozen.status_code == 422
    workers = [{k: w[k] for k in ("name", "phone", "organisation")} for w in listed] + [LATER]
    completed = await service.client.put(
        f"{url}/science-workers", json={"science_workers": workers}, headers={**me, "If-Match": '"1"'}
    )
    assert completed.status_code == 200, completed.text
    assert completed.headers["etag"] == '"2"' and len(completed.json()["science_workers"]) == 3
    assert await rows(service, "science_workers") == 3
    restricted = [data for kind, data in await outbox(service, CONTACTS.name) if kind == "science-workers-listed"]
    assert [len(data["workers"]) for data in restricted] == [2, 3]  # type: ignore[arg-type]

    # the same list again changes nothing
    again = await service.client.put(
        f"{url}/science-workers", json={"science_workers": workers}, headers={**me, "If-Match": '"2"'}
    )
    assert again.status_code == 200 and again.headers["etag"] == '"2"'


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_after_the_info_deadline_the_list_is_refused_naming_it(service: Service) -> None:
    deadline = datetime.now(UTC).date() - timedelta(days=1)
    await service.campaign(info_completion_deadline=deadline)
    me = await service.organizer()
    activity_id = await held_activity(service, me)
    refused = await service.client.put(
        f"/api/v1/activities/{activity_id}/science-workers",
        json={"science_workers": [LATER]},
        headers={**me, "If-Match": '"1"'},
    )
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert chinese_date(deadline) in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "science_workers"
    assert await rows(service, "science_workers") == 2
