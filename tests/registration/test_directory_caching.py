"""The directory's public reads any cache may keep: ``ETag`` and ``Cache-Control`` on searches, activity
pages, showcases and divisions; 304 on a matching ``If-None-Match``; the tag changes when what is
answered changes (a new activity approved into the directory, a check-in counted) and only then."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import Service
from .directory_support import approved, checked_in, configured, feed, registered
from .test_directory_search import listed
from .test_science_routes import VISITOR, route_body, two_activities

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
SEARCH = "/api/v1/directory/activities"
PUBLIC_SEARCH = "public, max-age=5, stale-while-revalidate=10"
PUBLIC_ACTIVITY = "public, max-age=2, stale-while-revalidate=5"


async def ask(service: Service, url: str, etag: str | None = None, **params: Any) -> httpx.Response:
    headers = {"If-None-Match": etag} if etag else {}
    return await service.client.get(url, params=params, headers=headers)


def fresh(answer: httpx.Response, cache_control: str) -> str:
    """The answer's tag, once it is a 200 with a body, the tag and ``cache_control``."""
    assert answer.status_code == 200, answer.text
    assert answer.content and answer.headers["cache-control"] == cache_control
    etag = answer.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    return etag


def not_modified(answer: httpx.Response, etag: str, cache_control: str) -> None:
    assert answer.status_code == 304, answer.text
    assert answer.content == b""
    assert answer.headers["etag"] == etag and answer.headers["cache-control"] == cache_control


@BOTH
async def test_a_search_changes_its_tag_when_an_activity_is_approved_into_it_and_only_then(service: Service) -> None:
    engine = service.container.backbone.engine
    first, second = registered(name="天文观测科普讲座"), registered(name="天文馆开放日")
    await feed(engine, configured(auto_approve=False), first, approved(first.subject))
    before = fresh(await ask(service, SEARCH, q="天文"), PUBLIC_SEARCH)
    not_modified(await ask(service, SEARCH, before, q="天文"), before, PUBLIC_SEARCH)

    await feed(engine, second)  # registered, not yet approved: not in the directory, the answer is the same
    not_modified(await ask(service, SEARCH, before, q="天文"), before, PUBLIC_SEARCH)
    assert fresh(await ask(service, SEARCH, q="天文"), PUBLIC_SEARCH) == before

    await feed(engine, approved(second.subject))
    changed = await ask(service, SEARCH, before, q="天文")
    after = fresh(changed, PUBLIC_SEARCH)
    assert after != before and {i["id"] for i in changed.json()["items"]} == {first.subject, second.subject}
    not_modified(await ask(service, SEARCH, f'W/"other", W/{after}', q="天文"), after, PUBLIC_SEARCH)
    assert fresh(await ask(service, SEARCH, before, q="科技"), PUBLIC_SEARCH) != before  # another question


@BOTH
async def test_an_activity_page_changes_its_tag_when_a_check_in_is_counted(service: Service) -> None:
    engine = service.container.backbone.engine
    activity = registered(name="走进科技馆")
    await listed(service, activity)
    url = f"{SEARCH}/{activity.subject}"
    before = fresh(await ask(service, url), PUBLIC_ACTIVITY)
    not_modified(await ask(service, url, before), before, PUBLIC_ACTIVITY)

    await feed(engine, checked_in(activity.subject))
    after = fresh(await ask(service, url, before), PUBLIC_ACTIVITY)
    assert after != before
    not_modified(await ask(service, url, "*"), after, PUBLIC_ACTIVITY)

    showcase = await ask(service, f"{url}/showcase")
    tag = fresh(showcase, PUBLIC_ACTIVITY)
    assert showcase.json()["activity_id"] == activity.subject
    not_modified(await ask(service, f"{url}/showcase", tag), tag, PUBLIC_ACTIVITY)


async def test_refusals_and_unknown_activities_are_never_cacheable(service: Service) -> None:
    missing = await ask(service, f"{SEARCH}/no-such-activity", "*")
    assert missing.status_code == 404 and "etag" not in missing.headers
    assert "public" not in missing.headers.get("cache-control", "")
    invalid = await ask(service, SEARCH, "*", date_from="2026-09-20", date_to="2026-09-10")
    assert invalid.status_code == 422 and "etag" not in invalid.headers


async def test_the_divisions_are_kept_a_day(service: Service) -> None:
    day = "public, max-age=86400, stale-while-revalidate=86400"
    etag = fresh(await ask(service, "/api/v1/directory/regions", parent="61"), day)
    not_modified(await ask(service, "/api/v1/directory/regions", etag, parent="61"), etag, day)
    assert fresh(await ask(service, "/api/v1/directory/regions"), day) != etag


@BOTH
async def test_a_route_is_revalidated_every_time_and_a_visitors_progress_is_private(service: Service) -> None:
    headers, ids = await two_activities(service)
    route = (await service.client.post("/api/v1/science-routes", json=route_body(ids), headers=headers)).json()
    url = f"/api/v1/directory/routes/{route['id']}"
    before = fresh(await ask(service, url), "public, no-cache")  # the page asks again when its visitor completes it
    not_modified(await ask(service, url, before), before, "public, no-cache")
    listed = fresh(await ask(service, "/api/v1/directory/routes", campaign="2026"), "public, no-cache")
    not_modified(await ask(service, "/api/v1/directory/routes", listed, campaign="2026"), listed, "public, no-cache")

    progress = await ask(service, f"{url}/progress", visitor=VISITOR)
    mine = fresh(progress, "private, no-cache")
    for stop in route["stops"]:
        checked = await service.client.post(f"{url}/check-ins", json={"stop": stop["key"], "visitor": VISITOR})
        assert checked.status_code == 200, checked.text
    assert fresh(await ask(service, f"{url}/progress", mine, visitor=VISITOR), "private, no-cache") != mine
    after = await ask(service, url, before)
    assert fresh(after, "public, no-cache") != before  # the completion the visitor's check-ins added
