"""A local campaign's region (``settings.region_code``, e.g. 渭南市 6105) is enforced on every way an
activity enters it: a POST, a change, a submitted draft, a 附件1 row; and a unit from outside the
region registers nothing in it. A national campaign (no region) takes any division."""

from __future__ import annotations

from typing import Any

from services.registration.domain.campaign import Campaign
from shared.events.topics import ACTIVITIES
from tests.factories import activity_body

from .conftest import Service
from .test_activities import outbox, rows
from .test_sheets import good_row, upload, workbook

WEINAN = {"region_code": "6105"}
TIANHE = "440106"  # 广州市天河区


def refused(answer: Any, field: str, *words: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in answer.json()["errors"]}, answer.json()
    for word in words:
        assert word in answer.text, answer.json()


async def weinan(service: Service) -> Campaign:
    return await service.campaign(title="2022年渭南市全国科普日", settings=WEINAN)


async def test_an_activity_outside_the_campaigns_region_is_refused_naming_region_code(service: Service) -> None:
    await weinan(service)
    me = await service.organizer()
    before = await rows(service, "outbox")
    answer = await service.client.post("/api/v1/activities", json=activity_body(region_code=TIANHE), headers=me)
    refused(answer, "region_code", TIANHE, "6105", "不在")
    answer = await service.client.post("/api/v1/activities", json=activity_body(region_code="61"), headers=me)
    refused(answer, "region_code", "6105")  # the province is wider than the city
    assert await rows(service, "outbox") == before and await rows(service, "activities") == 0

    inside = await service.client.post("/api/v1/activities", json=activity_body(region_code="610502"), headers=me)
    assert inside.status_code == 201, inside.text
    city = await service.client.post("/api/v1/activities", json=activity_body(region_code="6105"), headers=me)
    assert city.status_code == 201, city.text


async def test_a_change_or_a_submitted_draft_cannot_move_an_activity_out_of_the_region(service: Service) -> None:
    await weinan(service)
    me = await service.organizer()
    created = await service.client.post("/api/v1/activities", json=activity_body(), headers=me)
    assert created.status_code == 201, created.text
    details = {k: v for k, v in activity_body(region_code=TIANHE).items() if k != "campaign_id"}
    url = f"/api/v1/activities/{created.json()['id']}"
    refused(await service.client.put(url, json=details, headers={**me, "If-Match": '"1"'}), "region_code", TIANHE)
    assert (await service.client.get(url, headers=me)).json()["region_code"] == "610502"

    saved = await service.client.post("/api/v1/drafts", json=activity_body(region_code=TIANHE), headers=me)
    assert saved.status_code == 201, saved.text  # a draft may hold anything until it is submitted
    submitted = await service.client.post(f"{saved.headers['Location']}/submission", headers={**me, "If-Match": '"1"'})
    refused(submitted, "region_code", TIANHE)
    assert await rows(service, "activities") == 1 and await rows(service, "drafts") == 1
    assert [t for t, _ in await outbox(service, ACTIVITIES.name)] == ["activity-registered"]


async def test_a_sheet_row_outside_the_region_is_refused_in_its_column(service: Service) -> None:
    await weinan(service)
    me = await service.organizer()
    sheet = workbook([good_row(1), good_row(2, 行政区划代码=int(TIANHE), 经度=None, 纬度=None)])
    answer = await upload(service, sheet, me)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["counts"]["registered"] == 1 and report["counts"]["refused"] == 1
    (row,) = [r for r in report["rows"] if r["status"] == "refused"]
    assert ("行政区划代码", "region_code") in {(e["column"], e["field"]) for e in row["errors"]}, row
    assert await rows(service, "activities") == 1


async def test_a_unit_from_outside_the_region_registers_nothing_in_a_local_campaign(service: Service) -> None:
    await weinan(service)
    await service.campaign("2026-national")
    guangzhou = await service.organizer(name="广州市天河区科技馆", region_code=TIANHE)
    body = activity_body(region_code="610502")
    refused(await service.client.post("/api/v1/activities", json=body, headers=guangzhou), "campaign_id", TIANHE)
    assert await rows(service, "activities") == 0
    national = activity_body("2026-national", region_code="610502")
    answer = await service.client.post("/api/v1/activities", json=national, headers=guangzhou)
    assert answer.status_code == 201, answer.text  # a national campaign takes units and places anywhere
    answer = await service.client.post(
        "/api/v1/activities", json=activity_body("2026-national", region_code=TIANHE), headers=guangzhou
    )
    assert answer.status_code == 201, answer.text
