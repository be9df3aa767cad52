"""What journeys 3 and 4 take as given, made through the API beforehand: an organizer's activity in
this year's 渭南 campaign, approved by the county reviewer ``linwei`` (docs/review.md), public in the
directory, starting a few seconds from now.

An activity cannot be rated, nor its info completed, before it starts, and its science workers
cannot be changed after: so the journeys register one starting ``starts_in`` seconds ahead, do
what needs no start first, and wait for the start (the public activity page opens its rating form
by itself at the start time) — the platform's clock rules are never bent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .site_support import ORGANIZER_PASSWORD, STAFF_PASSWORD, Api, Journey, until


@dataclass(frozen=True)
class GivenActivity:
    id: str
    name: str
    organizer_login: str
    starts_at: datetime

    def seconds_to_start(self) -> float:
        return max(0.0, (self.starts_at - datetime.now(UTC)).total_seconds())


def approved_activity(
    api: Api,
    name: str,
    *,
    starts_in: float,
    organizer: str | None = None,
    latitude: float = 34.4998,
    longitude: float = 109.4901,
    science_workers: list[dict[str, Any]] | None = None,
    changes: dict[str, Any] | None = None,
    **details: Any,
) -> GivenActivity:
    """Register an offline activity in 临渭区 (610502) of ``api.current_campaign()`` by a new (or the
    given) organizer, starting ``starts_in`` seconds from now, have ``linwei`` approve it and wait
    until the public directory lists it. ``details``: other fields of the body; ``changes`` replace fields of the registration."""
    campaign = api.current_campaign()
    login = organizer or api.organizer()
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=starts_in)
    body: dict[str, Any] = {
        "campaign_id": campaign,
        "name": name,
        "organizer": "渭南市科技馆",
        "themes": ["防灾避险"],
        "target_groups": ["青少年"],
        "format": "offline",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "region_code": "610502",
        "address": "渭南市临渭区朝阳大街 18 号渭南市科技馆",
        "latitude": latitude,
        "longitude": longitude,
        "expected_participants": 120,
        "description": "地震、洪水来临时怎么办？现场体验避险演练。",
        "contact_name": "王建国",
        "contact_phone": login,
        "science_workers": science_workers or [],
    } | details
    body.update(changes or {})
    headers = api.headers(login, ORGANIZER_PASSWORD)
    answer = api.client.post("/api/v1/activities", json=body, headers=headers)
    assert answer.status_code in (200, 201, 202), answer.text
    activity_id = str(answer.json()["id"])

    # review learns of the activity from registration's stream: a 404 until it has
    reviewer = api.headers("linwei", STAFF_PASSWORD)
    path = f"/api/v1/review/activities/{activity_id}/approve"

    def approved() -> bool:
        answer = api.client.post(path, json={}, headers=reviewer)
        assert answer.status_code in (200, 404), answer.text  # 404: review has not heard of it yet
        return answer.status_code == 200

    until(approved, f"review never had {name} to approve")
    # the directory learns of the approval from review's stream
    until(
        lambda: api.client.get(f"/api/v1/directory/activities/{activity_id}").status_code == 200,
        f"{name} never became public",
    )
    return GivenActivity(activity_id, name, login, starts)


def open_dashboard(staff: Journey) -> Journey:
    """A logged-in staff member clicks the workbench's 运营看板: the operations dashboard opens in a
    window of its own, which the workbench hands its token (web/src/auth/dashboardHandOff.ts). The
    window becomes a :class:`Journey` of its own (screenshots in <test>-dashboard/); it is loaded
    again once so that the journey's policy-violation listener, added to it now, is there from its
    first script on (the reload keeps its opener, so the hand-off happens again)."""
    with staff.page.context.expect_page() as opened:
        staff.page.get_by_role("link", name="运营看板").click()
    page = opened.value
    page.wait_for_load_state()
    dashboard = Journey(page, staff.origin, staff.folder.with_name(f"{staff.folder.name}-dashboard"), staff.viewport)
    page.reload(wait_until="load")
    dashboard.expect_path("/dashboard")
    return dashboard
