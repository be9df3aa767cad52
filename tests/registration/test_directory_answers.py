"""Directory searches shared for a while: everyone asking the same gets one answer, computed once."""

from __future__ import annotations

import pytest

from .conftest import Service
from .test_directory_search import found, listed, named


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"directory_answer_max_age_seconds": 60}


async def test_the_same_search_is_answered_from_one_query_until_the_answer_ages(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await listed(service, named("天文观测科普讲座"))
    assert await found(service, q="天文") == first
    queries = service.container.directory.queries
    asked = []
    search = queries.search

    async def counted(criteria: object) -> object:
        asked.append(criteria)
        return await search(criteria)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "search", counted)
    later = await listed(service, named("天文馆开放日"))
    assert await found(service, q="天文") == first  # shared: the new activity shows once the answer ages
    assert asked == []
    assert sorted(await found(service, q="天文馆")) == later  # another question is asked afresh
    assert len(asked) == 1


async def test_near_me_searches_are_not_shared(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    await listed(service, named("天文观测科普讲座", latitude=34.5, longitude=109.5))
    queries = service.container.directory.queries
    asked = []
    search = queries.search

    async def counted(criteria: object) -> object:
        asked.append(criteria)
        return await search(criteria)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "search", counted)
    for _ in range(2):
        assert len(await found(service, near="34.5,109.5", radius_km=10)) == 1
    assert len(asked) == 2
