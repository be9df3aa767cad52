"""Summary reports (工作总结) through review's API on SQLite and PostgreSQL: a county drafts, attaches
and submits before the deadline, the city sees who has and has not reported, reads, downloads and
exports; the deadline, the kinds of reporter and the files are enforced, and each act is an event."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from services.review.adapters.tables import review_summaries
from tests.review.conftest import Service, activity, campaign, organizer, reviewer, unit

COUNTY, CITY = reviewer("county", "610502"), reviewer("city", "6105")
OTHER_CITY = reviewer("city", "6101")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def weinan(days_left: int = 5, reporters: list[str] | None = None) -> Any:
    return campaign(
        "2026",
        summary_deadline=date.today() + timedelta(days=days_left),
        settings={"summary": {"reporters": reporters or ["county", "organizer"]}},
    )


async def mine(service: Service, who: dict[str, str]) -> Any:
    return await service.client.get("/api/v1/summaries/mine", params={"campaign": "2026"}, headers=who)


@BOTH
async def test_a_county_reports_and_its_city_reads_it(service: Service) -> None:
    await service.feed(weinan())
    answer = await mine(service, COUNTY)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "none" and answer.json()["reporter_name"] == "临渭区科协"

    q = {"campaign": "2026"}
    saved = await service.client.put(
        "/api/v1/summaries/mine", params=q, json={"text": "全区开展活动52场"}, headers=COUNTY
    )
    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    attached = await service.client.post(
        "/api/v1/summaries/attachments", params={**q, "filename": "../临渭区总结.pdf"}, content=PDF, headers=COUNTY
    )
    assert attached.status_code == 201, attached.text
    assert attached.json()["attachments"][0]["filename"] == "临渭区总结.pdf"

    before = (await service.client.get("/api/v1/summaries", params=q, headers=CITY)).json()
    linwei = next(i for i in before["items"] if i["reporter"] == "county:610502")
    assert linwei["status"] == "draft" and linwei["summary_id"] is None  # a draft stays the county's own
    assert before["due"] >= 11 and before["submitted"] == 0  # 渭南市's counties

    submitted = await service.client.post("/api/v1/summaries/mine/submission", params=q, headers=COUNTY)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["editable"] is False

    after = (await service.client.get("/api/v1/summaries", params=q, headers=CITY)).json()
    linwei = next(i for i in after["items"] if i["reporter"] == "county:610502")
    assert (linwei["status"], after["submitted"], linwei["attachments"]) == ("submitted", 1, 1)
    read = await service.client.get(f"/api/v1/summaries/{linwei['summary_id']}", headers=CITY)
    assert read.json()["text"] == "全区开展活动52场"
    file_id = read.json()["attachments"][0]["file_id"]
    download = await service.client.get(f"/api/v1/summaries/{linwei['summary_id']}/attachments/{file_id}", headers=CITY)
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"

    hidden = await service.client.get(f"/api/v1/summaries/{linwei['summary_id']}", headers=OTHER_CITY)
    assert hidden.status_code == 404

    exported = await service.client.get("/api/v1/summaries/export.xlsx", params=q, headers=CITY)
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("报送单位", "类型", "地区代码", "状态")
    assert ("临渭区科协", "县级科协", "610502", "已报送") in [r[:4] for r in rows]

    t = service.container.backbone.tables.events
    async with service.container.backbone.engine.connect() as connection:
        types = list(await connection.scalars(select(t.c.type).where(t.c.aggregate_id == linwei["summary_id"])))
    assert types == ["summary-drafted", "summary-drafted", "summary-submitted"]


@BOTH
async def test_after_the_deadline_a_422_names_it_and_nothing_is_written(service: Service) -> None:
    await service.feed(weinan(days_left=-3))
    deadline = (date.today() - timedelta(days=3)).isoformat()
    q = {"campaign": "2026"}
    answer = await service.client.put("/api/v1/summaries/mine", params=q, json={"text": "迟到的总结"}, headers=COUNTY)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert deadline in answer.json()["detail"] and "工作总结报送截止日期" in answer.json()["detail"]
    assert answer.json()["errors"][0]["field"] == "summary_deadline"
    async with service.container.backbone.engine.connect() as connection:
        assert (await connection.execute(select(review_summaries))).first() is None


async def test_an_organizer_reports_where_the_campaign_says_so_after_the_info_deadline(service: Service) -> None:
    # 2020: info completion closed on 10-09, the organizers' summaries are due on 10-16
    await service.feed(
        campaign(
            "2026",
            info_completion_deadline=date.today() - timedelta(days=3),
            summary_deadline=date.today() + timedelta(days=3),
            settings={"summary": {"reporters": ["organizer"]}},
        ),
        unit("unit-9", "610502"),
        activity(unit_id="unit-9"),
    )
    q = {"campaign": "2026"}
    who = organizer("unit-9")
    assert (
        await service.client.put("/api/v1/summaries/mine", params=q, json={"text": "本单位总结"}, headers=who)
    ).status_code == 200
    assert (await service.client.post("/api/v1/summaries/mine/submission", params=q, headers=who)).status_code == 200
    county = (await service.client.get("/api/v1/summaries", params=q, headers=COUNTY)).json()
    assert [(i["reporter"], i["status"]) for i in county["items"]] == [("organizer:unit-9", "submitted")]
    refused = await mine(service, COUNTY)  # counties do not report in this campaign
    assert refused.status_code == 403


async def test_a_campaign_without_a_summary_step_refuses(service: Service) -> None:
    await service.feed(campaign("2026"))
    answer = await mine(service, COUNTY)
    assert answer.status_code == 422 and "没有工作总结报送环节" in answer.json()["detail"]


@pytest.mark.parametrize("data", [b"<script>alert(1)</script>", b"MZ\x90\x00binary"])
async def test_a_file_of_another_type_is_refused_by_its_content(service: Service, data: bytes) -> None:
    await service.feed(weinan())
    answer = await service.client.post(
        "/api/v1/summaries/attachments",
        params={"campaign": "2026", "filename": "总结.pdf"},
        content=data,
        headers=COUNTY,
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "file"
    assert (await mine(service, COUNTY)).json()["attachments"] == []


async def test_a_file_over_the_limit_is_refused(service: Service) -> None:
    await service.feed(weinan())
    limit = service.container.summaries.max_file_bytes
    answer = await service.client.post(
        "/api/v1/summaries/attachments",
        params={"campaign": "2026", "filename": "big.pdf"},
        content=PDF + b"0" * limit,
        headers=COUNTY,
    )
    assert answer.status_code in (413, 422)
    assert (await mine(service, COUNTY)).json()["attachments"] == []
