"""Summary reports (工作总结) through the streams, on both buses: registration publishes the campaign
(its summary step) and the organizer's unit; review builds its view and takes the county's and the
organizer's reports; analytics counts reported / due per county from summary-submitted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.factories import PASSWORD, open_campaign
from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from shared.auth import JwksVerifier
from tests.e2e.test_review_chain import Pair, pair, until

__all__ = ["pair"]  # the fixture, imported for this module's tests


@pytest.fixture
async def analytics(pair: Pair, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    options = {
        "data_dir": tmp_path / "analytics",
        "bus_url": pair.bus_url,
        "environment": "test",
        "kafka_fetch_max_wait_ms": 10,
        "topic_partitions": 3,
    }
    verifier = JwksVerifier("http://kepuri/api/v1/auth/jwks.json", client=pair.registration)
    app = analytics_app(analytics_build(AnalyticsSettings(**options), verifier=verifier))  # type: ignore[arg-type]
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        yield await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri")
        )


async def test_a_county_and_an_organizer_report_and_analytics_counts_them(
    pair: Pair, analytics: httpx.AsyncClient
) -> None:
    today = open_campaign().week.opens_on
    assert today is not None
    campaign = replace(
        open_campaign("2026-summaries"),
        summary_deadline=today + timedelta(days=30),
        settings={"region_code": "6105", "summary": {"reporters": ["county", "organizer"]}},
    )
    await pair.registration_app.state.container.campaigns.configure(campaign, 0)
    unit = {
        "name": "渭南市临渭区实验中学",
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": "13991400001",
        "password": PASSWORD,
    }
    assert (await pair.registration.post("/api/v1/units", json=unit)).status_code == 202
    login = await pair.registration.post("/api/v1/auth/token", json={"login": "13991400001", "password": PASSWORD})
    organizer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    county = await pair.staff("reviewer", "county", "610502")
    city = await pair.staff("reviewer", "city", "6105")
    q = {"campaign": "2026-summaries"}

    async def submitted(who: dict[str, str], text: str) -> Any:
        saved = await pair.review.put("/api/v1/summaries/mine", params=q, json={"text": text}, headers=who)
        if saved.status_code != 200:  # review has not yet seen the campaign or the unit
            return None
        answer = await pair.review.post("/api/v1/summaries/mine/submission", params=q, headers=who)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert (await until(lambda: submitted(county, "临渭区工作总结")))["status"] == "submitted"
    assert (await until(lambda: submitted(organizer, "本校工作总结")))["reporter_kind"] == "organizer"

    overview = (await pair.review.get("/api/v1/summaries", params=q, headers=city)).json()
    assert overview["submitted"] == 2

    async def counted() -> dict[str, Any] | None:
        answer = await analytics.get("/api/v1/stats/summaries", params={**q, "region": "6105"}, headers=city)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return body if body["reported"] == 2 else None

    counts = await until(counted)
    linwei = next(line for line in counts["regions"] if line["region_code"] == "610502")
    assert linwei["reported"] == 2
