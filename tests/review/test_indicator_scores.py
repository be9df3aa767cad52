"""Indicator scores over the API: per unit and per region inside the caller's jurisdiction, the campaign's
weights, and the unit's scores beside a recommendation (docs/review.md, "Indicator scores")."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events.payloads.activities import InfoCompleted
from shared.events.payloads.campaigns import IndicatorWeight

from .conftest import Service, activity, campaign, check_in, envelope, feedback, reviewer, unit

SCORES = "/api/v1/indicators/scores"
CITY = reviewer("city", "6105")
WEIGHTS = [
    IndicatorWeight(indicator="社会动员", measure="mobilisation", weight=2),
    IndicatorWeight(indicator="宣传工作", measure="publicity", weight=1),
    IndicatorWeight(indicator="公众评价情况", measure="public_evaluation", weight=1),
]


def completed(activity_id: str, news: int) -> Any:
    payload = InfoCompleted(
        activity_id=activity_id, news_urls=[f"https://news.example/{n}" for n in range(news)], completeness=1.0
    )
    return envelope(payload, activity_id)


async def build(service: Service) -> str:
    """渭南: 临渭's u1 (an activity naming 3 co-organizers, 2 news links, 3 check-ins and a 5-star rating) and
    u2 (1 news link), 华州's u3 (nothing more); 西安's u4, outside 渭南, far ahead on everything."""
    await service.feed(
        campaign(indicators=[w.indicator for w in WEIGHTS], indicator_weights=WEIGHTS),
        unit("u1", "610502", name="临渭区青少年科技馆"),
        unit("u2", "610502", name="临渭区科协"),
        unit("u3", "610503", name="华州区科协"),
        unit("u4", "610102", name="西安市第一中学"),
    )
    a1 = activity(unit_id="u1", region_code="610502", co_organizers=["临渭区教育局", "渭南师范学院", "临渭区妇联"])
    a2 = activity(unit_id="u2", region_code="610502")
    a3 = activity(unit_id="u3", region_code="610503")
    a4 = activity(unit_id="u4", region_code="610102", co_organizers=[f"协办{n}" for n in range(20)])
    await service.feed(a1, a2, a3, a4, completed(a1.subject, 2), completed(a2.subject, 1), completed(a4.subject, 30))
    await service.feed(*(check_in(a1.subject) for _ in range(3)), feedback(a1.subject, 5), check_in(a4.subject))
    return a1.subject


async def scores(service: Service, who: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = await service.client.get(SCORES, params={"campaign": "2026", **params}, headers=who)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_scores_per_unit_and_per_region_against_the_best_in_the_jurisdiction(service: Service) -> None:
    await build(service)
    board = await scores(service, CITY)
    assert [(i["indicator"], i["measure"], i["weight"]) for i in board["indicators"]] == [
        (w.indicator, w.measure, w.weight) for w in WEIGHTS
    ]
    assert board["indicators"][0]["label"] == "组织动员" and "协办单位" in board["indicators"][0]["definition"]
    # 西安's u4 is outside 渭南: neither listed nor the best anything is compared with
    assert [(i["key"], i["score"]["composite"]) for i in board["items"]] == [("u1", 100.0), ("u2", 25.0), ("u3", 12.5)]
    u2 = board["items"][1]["score"]["measures"]
    assert [(m["indicator"], m["value"], m["best"], m["score"]) for m in u2] == [
        ("社会动员", 1.0, 4.0, 25.0),  # u1: itself and 3 co-organizers
        ("宣传工作", 1.0, 2.0, 50.0),  # news links
        ("公众评价情况", 0.0, 4.0, 0.0),  # u1: 3 check-ins + 5 stars / 5
    ]
    assert board["total"] == 3 and board["next_cursor"] is None and board["items"][0]["name"] == "临渭区青少年科技馆"

    regions = await scores(service, CITY, by="region")
    assert [(i["key"], i["name"], i["score"]["composite"]) for i in regions["items"]] == [
        ("610502", "临渭区", 100.0),  # 2 units + 3 co-organizers, 3 news links, 4 of public evaluation
        ("610503", "华州区", 10.0),  # 1 of 5 units taking part: 20, weighted 2 of 4
    ]
    paged = await scores(service, CITY, limit=2)
    assert [i["key"] for i in paged["items"]] == ["u1", "u2"] and paged["next_cursor"]
    rest = await scores(service, CITY, limit=2, cursor=paged["next_cursor"])
    assert [i["key"] for i in rest["items"]] == ["u3"] and rest["next_cursor"] is None


async def test_outside_the_jurisdiction_is_refused(service: Service) -> None:
    await build(service)
    outside = await service.client.get(SCORES, params={"campaign": "2026", "region": "6101"}, headers=CITY)
    assert outside.status_code == 403 and outside.json()["errors"][0]["field"] == "region"
    unknown = await service.client.get(SCORES, params={"campaign": "1999"}, headers=CITY)
    assert unknown.status_code == 404


async def test_a_campaign_without_weights_weighs_its_indicators_equally(service: Service) -> None:
    await service.feed(campaign(), unit("u1", "610502"), activity(unit_id="u1"))
    board = await scores(service, CITY)
    assert [(i["indicator"], i["measure"], i["weight"]) for i in board["indicators"]] == [
        ("组织动员", "mobilisation", 1.0),
        ("数量规模", "scale", 1.0),
    ]
    assert board["items"][0]["score"]["composite"] == 100.0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_the_units_scores_stand_beside_a_recommendation(service: Service) -> None:
    await build(service)
    eligible = await service.eligible(unit_id="u2", region_code="610502", name="临渭科普讲座")
    form = {
        "campaign_id": "2026",
        "activity_id": eligible,
        "reason": "组织动员充分",
        "main_content": "科学实验展示",
        "contact_name": "王建国",
        "contact_phone": "13800000001",
        "opinion": "同意推荐",
    }
    sent = await service.client.post("/api/v1/recommendations", json=form, headers=reviewer("county", "610502"))
    assert sent.status_code == 201, sent.text
    received = await service.client.get("/api/v1/recommendations", params={"campaign": "2026"}, headers=CITY)
    [item] = received.json()["items"]
    score = item["score"]
    assert [(m["indicator"], m["weight"]) for m in score["measures"]] == [(w.indicator, w.weight) for w in WEIGHTS]
    # u2 now holds 2 activities, naming no co-organizer: 1 unit taking part of u1's 4, 1 news link of 2
    assert [m["score"] for m in score["measures"]] == [25.0, 50.0, 0.0] and score["composite"] == 25.0
