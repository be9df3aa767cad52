"""Invalid input answers 422 problem+json naming the field, and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.registration.adapters.tables import metadata
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import activity

CASES = [
    ({**activity("610502"), "region_code": "99"}, "region_code"),
    ({**activity("610502"), "region_code": "6105021"}, "region_code"),
    ({**activity("610502"), "region_code": "619999"}, "region_code"),  # well formed, but no such county
    ({**activity("610502"), "name": "x"}, "name"),
    ({**activity("610502"), "name": "长" * 101}, "name"),
    ({k: v for k, v in activity("610502").items() if k != "organizer"}, "organizer"),
    ({**activity("610502"), "starts_at": "2026-09-15T09:00:00"}, "starts_at"),  # no time zone
    ({**activity("610502"), "ends_at": "not a time"}, "ends_at"),
    ({**activity("610502"), "ends_at": activity("610502", starts_in=timedelta(days=-1))["ends_at"]}, "ends_at"),
    ({**activity("610502"), "format": "hybrid"}, "format"),
    ({**activity("610502"), "surprise": 1}, "surprise"),
]


@pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)
@pytest.mark.parametrize(("body", "field"), CASES, ids=[f for _, f in CASES])
async def test_invalid_activity_is_422_naming_the_field(
    platform: Platform, body: dict[str, object], field: str
) -> None:
    before = await _counts(platform)
    response = await platform.registration.post("/api/v1/activities", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"]
    assert field in {e["field"] for e in problem["errors"]}
    assert field in problem["detail"] or problem["errors"][0]["message"] in problem["detail"]
    assert await _counts(platform) == before


async def _counts(platform: Platform) -> dict[str, int]:
    engine = platform.registration_app.state.container.backbone.engine
    async with engine.connect() as connection:
        return {
            table: int(await connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)
            for table in ("events", "outbox", "idempotency_keys", "activities")
        }


@pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)
async def test_malformed_json_and_bad_headers_are_problems(platform: Platform) -> None:
    response = await platform.registration.post(
        "/api/v1/activities", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    long_key = {"Idempotency-Key": "k" * 300}
    response = await platform.registration.post("/api/v1/activities", json=activity("610502"), headers=long_key)
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    response = await platform.registration.post(
        "/api/v1/activities/abc/withdrawal", json={}, headers={"If-Match": "yesterday"}
    )
    assert response.status_code == 400
    response = await platform.registration.get("/api/v1/activities/nope")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
