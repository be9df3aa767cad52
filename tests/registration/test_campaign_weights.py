"""Indicator weights at configuration: a campaign weighs its indicators; weights that make no sense are
refused with a Chinese message naming ``indicator_weights``, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Service
from .test_campaigns import body, fields, written

WEIGHTS = [
    {"indicator": "组织动员", "measure": "mobilisation", "weight": 2},
    {"indicator": "数量规模", "measure": "scale", "weight": 1},
]
NONSENSE: dict[str, tuple[list[dict[str, Any]], str]] = {
    "all-zero": ([{**WEIGHTS[0], "weight": 0}, {**WEIGHTS[1], "weight": 0}], "至少一项须大于 0"),
    "negative": ([{**WEIGHTS[0], "weight": -1}, WEIGHTS[1]], "indicator_weights"),
    "not-an-indicator": (
        [*WEIGHTS, {"indicator": "宣传工作", "measure": "publicity", "weight": 1}],
        "不是本年度的考核指标",
    ),
    "twice": ([*WEIGHTS, WEIGHTS[0]], "重复"),
    "missing": ([WEIGHTS[0]], "“数量规模”没有权重"),
    "unknown-measure": ([{**WEIGHTS[0], "measure": "popularity"}, WEIGHTS[1]], "indicator_weights"),
    "not-a-number": ([{**WEIGHTS[0], "weight": "NaN"}, WEIGHTS[1]], "indicator_weights"),
}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_campaign_weighs_its_indicators(service: Service) -> None:
    admin = await service.admin()
    created = await service.client.post(
        "/api/v1/campaigns", json={**body(), "indicator_weights": WEIGHTS}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["indicator_weights"] == [{**w, "weight": float(w["weight"])} for w in WEIGHTS]
    read = await service.client.get("/api/v1/campaigns/2024-national")
    assert read.json()["indicator_weights"] == created.json()["indicator_weights"]
    unweighted = await service.client.post("/api/v1/campaigns", json=body(("id", "2024-other")), headers=admin)
    assert "indicator_weights" not in unweighted.json()  # optional: the review service weighs equally


async def test_weights_that_make_no_sense_are_refused_at_configuration(service: Service) -> None:
    admin = await service.admin()
    before = await written(service)
    wrong = []
    for case, (weights, said) in NONSENSE.items():
        response = await service.client.post(
            "/api/v1/campaigns", json={**body(), "indicator_weights": weights}, headers=admin
        )
        if (
            response.status_code != 422
            or "indicator_weights" not in ".".join(fields(response))
            or said not in response.text
        ):
            wrong.append(f"{case}: expected 422 naming indicator_weights and saying {said}: {response.text}")
    assert not wrong, "\n".join(wrong)
    assert await written(service) == before
