"""Indicator scores through the streams, on both buses: registration publishes a campaign that weighs its
indicators, an activity naming a co-organizer and its info completion with news links; review's view
counts them and scores the unit with the campaign's weights (docs/review.md, "Indicator scores")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from harness.factories import PASSWORD, activity_body, open_campaign
from shared.events.payloads.campaigns import IndicatorWeight
from tests.e2e.test_review_chain import Pair, pair, until  # noqa: F401  (pair: the fixture)

WEIGHTS = (
    IndicatorWeight(indicator="社会动员", measure="mobilisation", weight=3),
    IndicatorWeight(indicator="宣传工作", measure="publicity", weight=1),
)


async def test_a_unit_is_scored_with_the_campaigns_weights_from_what_the_streams_said(pair: Pair) -> None:  # noqa: F811
    campaign = replace(
        open_campaign("2026-scores", auto_approve=True),
        indicators=tuple(w.indicator for w in WEIGHTS),
        indicator_weights=WEIGHTS,
    )
    await pair.registration_app.state.container.campaigns.configure(campaign, 0)
    unit = {
        "name": "渭南市临渭区实验中学",
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": "13812340001",
        "password": PASSWORD,
    }
    assert (await pair.registration.post("/api/v1/units", json=unit)).status_code == 202
    login = await pair.registration.post("/api/v1/auth/token", json={"login": "13812340001", "password": PASSWORD})
    organizer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    body = activity_body("2026-scores", starts_in=timedelta(minutes=-30))  # names one co-organizer
    created = await pair.registration.post("/api/v1/activities", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    news = ["https://news.example.cn/1", "https://news.example.cn/2"]
    info = {"actual_participants": 80, "summary": "活动顺利举办", "news_urls": news}
    completed = await pair.registration.put(
        f"/api/v1/activities/{created.json()['id']}/info", json=info, headers={**organizer, "If-Match": '"1"'}
    )
    assert completed.status_code == 200, completed.text
    city = await pair.staff("reviewer", "city", "6105")

    async def scored() -> dict[str, Any] | None:
        answer = await pair.review.get("/api/v1/indicators/scores", params={"campaign": "2026-scores"}, headers=city)
        if answer.status_code != 200 or not answer.json()["items"]:
            return None
        board: dict[str, Any] = answer.json()
        return board if board["items"][0]["score"]["measures"][1]["value"] == 2 else None

    board = await until(scored)
    assert [(i["indicator"], i["measure"], i["weight"]) for i in board["indicators"]] == [
        ("社会动员", "mobilisation", 3.0),
        ("宣传工作", "publicity", 1.0),
    ]
    [item] = board["items"]
    assert [(m["value"], m["score"]) for m in item["score"]["measures"]] == [(2.0, 100.0), (2.0, 100.0)]
    assert item["score"]["composite"] == 100.0 and item["name"] == "渭南市临渭区实验中学"
