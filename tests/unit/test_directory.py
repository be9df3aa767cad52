"""The directory's pure parts: tokens and queries, distances, rate limits, the admission cache,
the auto-approval history, the check-in window and the packaged division centres."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta

import pytest

from services.registration.adapters.region_centres import PackagedCentres
from services.registration.directory.admissions import Admission, AdmissionCache
from services.registration.directory.approval import CampaignHistory, Configuration
from services.registration.directory.geo import Circle, chord_squared_of, distance_of_chord_squared, haversine_km
from services.registration.directory.participation import check_in_window, without_phone_numbers
from services.registration.directory.search import (
    Term,
    document_tokens,
    fts5_match,
    query_terms,
    tsquery_literal,
    tsvector_literal,
)
from services.registration.directory.throttle import TokenBucket


def test_chinese_runs_become_bigrams_and_their_last_character() -> None:
    assert document_tokens(["全国科普日"]) == ["全国", "国科", "科普", "普日", "日"]
    assert document_tokens(["AI科普", None, "", "Ｒｏｂｏｔ 2024年"]) == ["ai", "科普", "普", "robot", "2024", "年"]
    assert document_tokens(["科普", "日报"]) == ["科普", "普", "日报", "报"]  # no bigram across fields


def test_queries_are_phrases_of_bigrams_or_prefixes() -> None:
    assert query_terms("科普日 AI 鱼") == (
        Term(("科普", "普日"), prefix=False),
        Term(("ai",), prefix=True),
        Term(("鱼",), prefix=True),
    )
    assert query_terms("！？") == ()
    assert query_terms("科普 科普") == (Term(("科普",), prefix=False),)
    terms = query_terms("科普日 ai")
    assert fts5_match(terms) == '"科普 普日" AND "ai"*'
    assert tsquery_literal(terms) == "('科普' <-> '普日') & 'ai':*"
    assert tsvector_literal(["科普", "普", "ai"]) == "'科普':1 '普':2 'ai':3"


def test_the_squared_chord_orders_like_the_great_circle_distance() -> None:
    centre = Circle(34.5, 109.5, 15)
    x0, y0, z0 = centre.centre_vector()
    for km in (0.0, 0.5, 3, 14.99, 120, 199):
        assert distance_of_chord_squared(chord_squared_of(km)) == pytest.approx(km, abs=1e-9)
    points = [(34.5 + d, 109.5 + d / 2) for d in (0.01, 0.05, 0.1, 0.2)]
    distances = [haversine_km(34.5, 109.5, *p) for p in points]
    assert distances == sorted(distances)
    south, north, west, east = centre.bounding_box()
    assert haversine_km(34.5, 109.5, north, 109.5) > 15 and haversine_km(34.5, 109.5, 34.5, east) > 15
    assert south < 34.5 < north and west < 109.5 < east and not math.isnan(x0 + y0 + z0)


def test_a_token_bucket_allows_a_burst_then_refills() -> None:
    now = [0.0]
    bucket = TokenBucket(3, per_minute=6, clock=lambda: now[0])  # one token every 10 s
    assert [bucket.take("a") for _ in range(3)] == [None, None, None]
    assert bucket.take("a") == 10
    assert bucket.take("b") is None  # per client
    now[0] = 5.0
    assert bucket.take("a") == 5
    now[0] = 10.5
    assert bucket.take("a") is None and bucket.take("a") is not None


def test_a_token_bucket_forgets_clients_that_have_refilled() -> None:
    now = [0.0]
    bucket = TokenBucket(2, per_minute=60, max_clients=3, clock=lambda: now[0])
    for client in "abc":
        bucket.take(client)
    now[0] = 100.0
    bucket.take("d")
    assert bucket.take("a") is None and bucket.take("a") is None and bucket.take("a") == 1


async def test_the_admission_cache_loads_a_turns_misses_together_and_keeps_them_for_the_ttl() -> None:
    now = [0.0]
    calls: list[list[str]] = []
    start = datetime(2026, 9, 15, tzinfo=UTC)

    async def load(ids: list[str]) -> dict[str, Admission]:
        calls.append(sorted(ids))
        return {i: Admission(True, start, start + timedelta(hours=2), "2026") for i in ids if i != "unknown"}

    cache = AdmissionCache(load, ttl_seconds=5, clock=lambda: now[0])
    found = await asyncio.gather(*(cache.get(i) for i in ("a", "b", "a", "unknown")))
    assert calls == [["a", "b", "unknown"]]
    assert found[0] is not None and found[0] == found[2] and found[3] is None
    await cache.get("a")
    await cache.get("unknown")
    assert len(calls) == 1
    now[0] = 6.0
    await cache.get("a")
    assert calls[-1] == ["a"]


async def test_the_admission_cache_passes_a_failed_load_to_every_waiter_and_retries_later() -> None:
    failing = [True]

    async def load(ids: list[str]) -> dict[str, Admission]:
        if failing[0]:
            raise ConnectionError("database down")
        return {}

    cache = AdmissionCache(load, ttl_seconds=5)
    results = await asyncio.gather(cache.get("a"), cache.get("b"), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    failing[0] = False
    assert await cache.get("a") is None


def test_auto_approval_follows_the_configuration_in_force_at_registration() -> None:
    t0 = datetime(2026, 8, 1, tzinfo=UTC)
    history = CampaignHistory()
    assert history.add("2026", Configuration(t0 + timedelta(days=10), 2, False))
    assert history.add("2026", Configuration(t0, 1, True))
    assert not history.add("2026", Configuration(t0, 1, True))  # a redelivery
    assert not history.auto_approves("2026", t0 - timedelta(seconds=1))
    assert history.auto_approves("2026", t0 + timedelta(days=3))
    assert not history.auto_approves("2026", t0 + timedelta(days=11))
    assert not history.auto_approves(None, t0 + timedelta(days=3))
    assert history.governed("2026", 1) == (t0, t0 + timedelta(days=10), True)
    assert history.governed("2026", 2) == (t0 + timedelta(days=10), None, False)


def test_check_in_opens_on_the_start_day_and_closes_after_the_end_day_china_time() -> None:
    starts = datetime(2026, 9, 15, 1, 0, tzinfo=UTC)  # 09:00 in China
    admission = Admission(True, starts, starts + timedelta(days=1), "2026")
    opens, closes = check_in_window(admission)
    assert opens == datetime(2026, 9, 14, 16, 0, tzinfo=UTC)  # 15 September, 00:00 China time
    assert closes == datetime(2026, 9, 16, 16, 0, tzinfo=UTC)  # 17 September, 00:00 China time


def test_phone_numbers_in_comments_are_masked() -> None:
    assert without_phone_numbers("请联系13812345678或0913-2123456") == "请联系138****5678或091****3456"
    assert without_phone_numbers("第20260915期") == "第20260915期"


def test_division_centres_come_from_the_package_with_parents_as_fallback() -> None:
    centres = PackagedCentres()
    latitude, longitude = centres.centre("610502") or (0.0, 0.0)
    assert haversine_km(latitude, longitude, 34.4993, 109.5102) < 1  # 临渭区
    assert centres.centre("6105") != centres.centre("610502")
    assert centres.centre("330113") == centres.centre("3301")  # 临平区: no centre of its own yet
    assert centres.centre("99") is None
