"""Reviewers see what they judge: review's view carries everything an organizer registered and
completed (from activity-registered, activity-updated and info-completed only), and the queue, the
single activity, the recommendation boxes and the exports show it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from shared.events.payloads.activities import InfoCompleted

from .conftest import Service, activity, admin, campaign, envelope, reviewer, unit, updated

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
COUNTY = reviewer("county", "610502")
STARTS = datetime(2026, 9, 16, 1, 30, tzinfo=UTC)  # 09:30 in China
PHOTO = "https://img.example.cn/kepuri/1.jpg"
NEWS = "https://news.example.cn/a/1"


async def registered_and_completed(service: Service) -> str:
    registered = activity(
        name="临渭科技馆开放日",
        description="面向中小学生开展科学实验展示",
        starts_at=STARTS,
        ends_at=STARTS.replace(hour=4),
        format="both",
        address="渭南市临渭区朝阳大街1号",
        online_url="https://live.example.cn/1",
        key_activity=True,
        expected_participants=300,
        target_groups=["青少年"],
        co_organizers=["临渭区教育局"],
        contact_name_masked="王**",
        contact_phone_masked="138****5678",
    )
    activity_id = registered.subject
    completed = InfoCompleted(
        activity_id=activity_id,
        photo_urls=[PHOTO],
        news_urls=[NEWS],
        actual_participants=420,
        summary="活动圆满完成，学生动手做实验",
        completeness=1.0,
    )
    await service.feed(campaign(), unit(), registered)
    await service.feed(updated(activity_id, address="渭南市临渭区朝阳大街2号"), envelope(completed, activity_id))
    return activity_id


def assert_full(details: dict[str, Any]) -> None:
    assert details["description"] == "面向中小学生开展科学实验展示"
    assert datetime.fromisoformat(details["starts_at"]) == STARTS
    assert datetime.fromisoformat(details["ends_at"]) == STARTS.replace(hour=4)
    assert details["address"] == "渭南市临渭区朝阳大街2号"  # as activity-updated changed it
    assert details["online_url"] == "https://live.example.cn/1"
    assert details["key_activity"] is True and details["expected_participants"] == 300
    assert (details["target_groups"], details["co_organizers"]) == (["青少年"], ["临渭区教育局"])
    assert (details["contact_name_masked"], details["contact_phone_masked"]) == ("王**", "138****5678")
    assert (details["photo_urls"], details["news_urls"], details["video_urls"]) == ([PHOTO], [NEWS], [])
    assert details["actual_participants"] == 420 and details["summary"] == "活动圆满完成，学生动手做实验"


@BOTH
async def test_the_queue_and_the_activity_carry_what_the_organizer_registered_and_completed(service: Service) -> None:
    activity_id = await registered_and_completed(service)
    queue = await service.client.get("/api/v1/review/queue", params={"campaign_id": "2026"}, headers=COUNTY)
    assert queue.status_code == 200, queue.text
    (item,) = queue.json()["items"]
    assert item["activity_id"] == activity_id and item["science_workers"] == 3 and item["completeness"] == 1.0
    assert_full(item["details"])

    one = await service.client.get(f"/api/v1/review/activities/{activity_id}", headers=COUNTY)
    assert one.status_code == 200, one.text
    assert_full(one.json()["details"])


@BOTH
async def test_an_activity_outside_the_jurisdiction_or_unknown_is_refused(service: Service) -> None:
    activity_id = await registered_and_completed(service)
    elsewhere = await service.client.get(
        f"/api/v1/review/activities/{activity_id}", headers=reviewer("county", "610503")
    )
    assert elsewhere.status_code == 403 and "管辖范围" in elsewhere.json()["detail"]
    unknown = await service.client.get("/api/v1/review/activities/nope", headers=COUNTY)
    assert unknown.status_code == 404


@BOTH
async def test_recommendations_and_their_exports_carry_the_details(service: Service) -> None:
    activity_id = await registered_and_completed(service)
    approved = await service.client.post(f"/api/v1/review/activities/{activity_id}/approve", json={}, headers=admin())
    assert approved.status_code == 200, approved.text
    nomination = {
        "campaign_id": "2026",
        "activity_id": activity_id,
        "reason": "组织动员充分",
        "main_content": "科学实验展示",
        "contact_name": "王建国",
        "contact_phone": "13812345678",
        "opinion": "同意推荐",
    }
    sent = await service.client.post("/api/v1/recommendations", json=nomination, headers=COUNTY)
    assert sent.status_code == 201, sent.text

    listed = await service.client.get(
        "/api/v1/recommendations", params={"campaign": "2026", "box": "sent"}, headers=COUNTY
    )
    assert listed.status_code == 200, listed.text
    assert_full(listed.json()["items"][0]["details"])

    for form in ("附件3", "list"):
        answer = await service.client.get(
            "/api/v1/exports/recommendations.xlsx",
            params={"campaign": "2026", "box": "sent", "form": form},
            headers=COUNTY,
        )
        assert answer.status_code == 200, answer.text
        rows = list(load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(values_only=True))
        row = dict(zip(rows[1], rows[2], strict=True))
        assert (row["开始时间"], row["结束时间"]) == ("2026-09-16 09:30", "2026-09-16 12:30")  # China time
        assert row["活动地点"] == "渭南市临渭区朝阳大街2号" and row["活动简介"] == "面向中小学生开展科学实验展示"
        assert (row["活动照片"], row["新闻报道"], row["实际参与人数"]) == (PHOTO, NEWS, 420)
        assert row["活动总结"] == "活动圆满完成，学生动手做实验"
