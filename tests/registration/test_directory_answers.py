"""Directory searches shared for a while: everyone asking the same gets one answer, computed once."""

from __future__ import annotations

from typing import Any

import pytest

from services.registration.directory.criteria import Criteria, Page

from .conftest import Service
from .directory_support import registered
from .test_directory_caching import SEARCH, ask
from .test_directory_search import found, listed, named


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"directory_answer_max_age_seconds": 60}


@pytest.fixture
def asked(service: Service, monkeypatch: pytest.MonkeyPatch) -> list[Criteria]:
    """The searches that reached the database."""
    queries = service.container.directory.queries
    search, seen = queries.search, []

    async def counted(criteria: Criteria) -> Page:
        seen.append(criteria)
        return await search(criteria)

    monkeypatch.setattr(queries, "search", counted)
    return seen


async def test_the_same_search_is_answered_from_one_query_until_the_answer_ages(
    service: Service, asked: list[Criteria]
) -> None:
    first = await listed(service, named("天文观测科普讲座"))
    assert await found(service, q="天文") == first
    later = await listed(service, named("天文馆开放日"))
    assert await found(service, q="天文") == first  # shared: the new activity shows once the answer ages
    assert len(asked) == 1
    assert sorted(await found(service, q="天文馆")) == later  # another question is asked afresh
    assert len(asked) == 2


async def test_near_me_searches_are_not_shared(service: Service, asked: list[Criteria]) -> None:
    await listed(service, named("天文观测科普讲座", latitude=34.5, longitude=109.5))
    for _ in range(2):
        assert len(await found(service, near="34.5,109.5", radius_km=10)) == 1
    assert len(asked) == 2


async def test_a_shared_answer_is_revalidated_without_a_query(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With answers shared (as served), a repeated search and a repeated activity page are a comparison of
    tags: the database is asked once, however many 304s follow."""
    queries = service.container.directory.queries
    search, get, asked = queries.search, queries.get, []

    async def counted_search(criteria: Criteria) -> Page:
        asked.append(criteria)
        return await search(criteria)

    async def counted_get(activity_id: str) -> Any:
        asked.append(activity_id)
        return await get(activity_id)

    monkeypatch.setattr(queries, "search", counted_search)
    monkeypatch.setattr(queries, "get", counted_get)
    activity = registered(name="天文观测科普讲座")
    await listed(service, activity)
    for url in (SEARCH, f"{SEARCH}/{activity.subject}"):
        etag = (await ask(service, url, q="天文") if url == SEARCH else await ask(service, url)).headers["etag"]
        for _ in range(3):
            answer = await ask(service, url, etag, q="天文") if url == SEARCH else await ask(service, url, etag)
            assert answer.status_code == 304
    assert len(asked) == 2
