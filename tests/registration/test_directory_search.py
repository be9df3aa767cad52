"""The public directory's search: Chinese text, filters, cursor pagination and bad parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.registration.directory.criteria import days_of
from services.registration.domain.campaign import china_day
from shared.events import Envelope

from .conftest import Service
from .directory_support import approved, configured, feed, registered, rejected, withdrawn

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
URL = "/api/v1/directory/activities"


async def listed(service: Service, *envelopes: Envelope) -> list[str]:
    """Make ``envelopes`` public activities (an auto-approving campaign); their ids."""
    earliest = min(e.time for e in envelopes) - timedelta(days=1)
    await feed(service.container.backbone.engine, configured(auto_approve=True, at=earliest), *envelopes)
    return [e.subject for e in envelopes]


async def found(service: Service, **params: Any) -> list[str]:
    """The ids a search finds, every page walked."""
    ids: list[str] = []
    params = {"limit": 100, **params}
    while True:
        response = await service.client.get(URL, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        ids.extend(item["id"] for item in body["items"])
        if body["next_cursor"] is None:
            return ids
        params["cursor"] = body["next_cursor"]


def named(name: str, **fields: Any) -> Envelope:
    return registered(name=name, **fields)


@BOTH
async def test_chinese_queries_match_substrings_of_any_searchable_field(service: Service) -> None:
    a = named("全国科普日主场活动", description="人工智能AI与机器人Robotics体验")
    b = named("食品安全进社区", organizer_name="渭南市市场监督管理局")
    c = named("科学普及讲座", co_organizers=["临渭区科普教育基地"])  # 科 and 普 apart in the name
    d = named("金鱼的秘密", address="渭南市科技馆二楼")
    e = named("安全食品小课堂", description="食品的安全知识")
    await listed(service, a, b, c, d, e)
    ids = {x: y.subject for x, y in zip("abcde", (a, b, c, d, e), strict=True)}

    async def search(q: str) -> set[str]:
        matches = await found(service, q=q)
        return {key for key, value in ids.items() if value in matches}

    assert await search("科普") == {"a", "c"}  # c only through its co-organizer
    assert await search("科普日") == {"a"}
    assert await search("食品安全") == {"b"}  # not 安全食品, not 食品的安全
    assert await search("市场监督") == {"b"}  # the organizer
    assert await search("科技馆") == {"d"}  # the address
    assert await search("鱼") == {"d"}  # one character, at the end of a word
    assert await search("金") == {"d"}
    assert await search("ai") == {"a"} and await search("ＡＩ") == {"a"}  # full-width, any case
    assert await search("robot") == {"a"}  # a word's beginning
    assert await search("AI 机器人") == {"a"}
    assert await search("机器人 食品") == set()  # every term must match
    assert await search("科普 讲座") == {"c"}
    assert await search("普日主") == {"a"} and await search("普及科") == set()


async def test_no_match_across_two_fields(service: Service) -> None:
    event = named("青少年科普", organizer_name="日报社")
    await listed(service, event)
    assert await found(service, q="科普日报") == []
    assert await found(service, q="科普") == [event.subject]


async def test_a_query_with_nothing_searchable_is_422(service: Service) -> None:
    response = await service.client.get(URL, params={"q": "！？ ..."})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "q"


@BOTH
async def test_filters(service: Service) -> None:
    engine = service.container.backbone.engine
    base = datetime(2026, 9, 15, 1, tzinfo=UTC)  # 09:00 China time
    xian = named("西安科普", region_code="610113", category="主场活动", themes=["卫生健康"], starts_at=base)
    weinan = named(
        "渭南科普",
        region_code="610502",
        category="地方活动",
        themes=["食品安全", "卫生健康"],
        target_groups=["老年人"],
        key_activity=True,
        starts_at=base + timedelta(days=2),
        ends_at=base + timedelta(days=2, hours=2),
        format="both",
        online_url="https://live.example.cn/w",
    )
    city_level = named(
        "渭南市级", region_code="6105", starts_at=base + timedelta(days=5), ends_at=base + timedelta(days=6)
    )
    online = named("线上科普", region_code="11", format="online", online_url="https://x.example.cn", campaign="2025")
    await feed(engine, configured("2025", auto_approve=True, at=online.time - timedelta(days=1)))
    ids = dict(
        zip(("xian", "weinan", "city", "online"), await listed(service, xian, weinan, city_level, online), strict=True)
    )

    async def names(**params: Any) -> set[str]:
        result = await found(service, **params)
        return {key for key, value in ids.items() if value in result}

    assert await names(region="61") == {"xian", "weinan", "city"}
    assert await names(region="6105") == {"weinan", "city"}
    assert await names(region="610502") == {"weinan"}
    assert await names(region="44") == set()
    assert await names(campaign="2025") == {"online"}
    assert await names(category="地方活动") == {"weinan"}
    assert await names(theme="卫生健康") == {"xian", "weinan"}
    assert await names(theme="卫生") == set()  # a theme is matched whole
    assert await names(target_group="老年人") == {"weinan"}
    assert await names(format="offline") == {"xian", "weinan", "city"}  # "both" counts as offline
    assert await names(format="online") == {"weinan", "online"}
    assert await names(format="both") == {"weinan"}
    assert await names(key_activity="true") == {"weinan"}
    assert "weinan" not in await names(key_activity="false")
    assert await names(date_from="2026-09-17", date_to="2026-09-17") == {"weinan"}
    assert await names(date_from="2026-09-15", date_to="2026-09-17", region="61") == {"xian", "weinan"}
    assert await names(date_from="2026-09-21", date_to="2026-09-21") == {"city"}  # overlaps: 20th 09:00 to 21st 09:00
    assert await names(date_from="2026-09-22", region="61") == set()
    assert await names(on="2026-09-17") == {"weinan"}  # a day is the range from it to itself
    assert await names(on="2026-09-21") == {"city"}
    assert await names(q="科普", region="6105", theme="食品安全") == {"weinan"}


async def test_only_public_activities_are_listed(service: Service) -> None:
    engine = service.container.backbone.engine
    shown, hidden, gone, pending = (
        named("公开活动"),
        named("被驳回活动"),
        named("已撤回活动"),
        named("待审活动", campaign="other"),
    )
    await listed(service, shown, hidden, gone)
    await feed(engine, rejected(hidden.subject), withdrawn(gone.subject, 2), pending)
    assert await found(service) == [shown.subject]
    assert (await service.client.get(f"{URL}/{hidden.subject}")).status_code == 404
    await feed(engine, approved(hidden.subject, 2))
    assert set(await found(service)) == {shown.subject, hidden.subject}


@BOTH
async def test_cursor_pagination_walks_every_page_without_gaps_or_repeats(service: Service) -> None:
    start = datetime(2026, 9, 15, 1, tzinfo=UTC)
    events = [named(f"活动{i}", starts_at=start + timedelta(hours=i // 4)) for i in range(23)]  # ties by four
    await listed(service, *events)
    expected = [e.subject for e in sorted(events, key=lambda e: (e.data["starts_at"], e.subject))]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = (await service.client.get(URL, params=params)).json()
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 5


async def test_an_activity_is_read_with_its_counts_and_without_contacts(service: Service) -> None:
    [activity_id] = await listed(service, named("走进科技馆", description="联系人王建国"))
    response = await service.client.get(f"{URL}/{activity_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "走进科技馆" and body["check_ins"] == 0 and body["rating_average"] is None
    assert body["position"]["source"] == "region"
    assert "138****5678" not in response.text and "王**" not in response.text and "unit-1" not in response.text
    missing = await service.client.get(f"{URL}/nope")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"region": "6"}, "region"),
        ({"region": "61050"}, "region"),
        ({"format": "paper"}, "format"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-09-20", "date_to": "2026-09-19"}, "date_to"),
        ({"key_activity": "maybe"}, "key_activity"),
        ({"on": "2026-02-30"}, "on"),
        ({"when": "tomorrow"}, "when"),
        ({"on": "2026-09-20", "when": "today"}, "when"),
        ({"on": "2026-09-20", "date_from": "2026-09-20"}, "on"),
        ({"when": "weekend", "date_to": "2026-09-20"}, "when"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"q": "x" * 101}, "q"),
        ({"near": "north"}, "near"),
        ({"near": "95,100"}, "near"),
        ({"near": "34.5,109.5", "radius_km": 201}, "radius_km"),
        ({"near": "34.5,109.5", "radius_km": 0}, "radius_km"),
        ({"radius_km": 5}, "near"),
        ({"near": "34.5,109.5", "radius_km": 5, "preset": "30min"}, "preset"),
        ({"near": "34.5,109.5", "preset": "1h"}, "preset"),
    ],
)
async def test_bad_parameters_are_422_naming_the_parameter(
    service: Service, params: dict[str, Any], field: str
) -> None:
    response = await service.client.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}


async def test_a_cursor_of_another_ordering_is_422(service: Service) -> None:
    await listed(service, *(named(f"活动{i}", latitude=34.5, longitude=109.5) for i in range(3)))
    near = (await service.client.get(URL, params={"near": "34.5,109.5", "limit": 1})).json()
    response = await service.client.get(URL, params={"cursor": near["next_cursor"]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


@BOTH
async def test_today_and_this_weekend_are_china_days(service: Service) -> None:
    """``when=today`` / ``when=weekend`` are China's days, whatever the server's zone: an activity
    running now is found today, and this weekend exactly when it overlaps the weekend's days."""
    now = datetime.now(UTC).replace(microsecond=0)
    running = named("正在进行的科普活动", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    far = named("明年的科普活动", starts_at=now + timedelta(days=300), ends_at=now + timedelta(days=300, hours=2))
    ids = await listed(service, running, far)
    assert await found(service, when="today") == [ids[0]]
    saturday, sunday = days_of("weekend", china_day(datetime.now(UTC)))
    running_days = {china_day(now - timedelta(hours=1)), china_day(now + timedelta(hours=1))}
    weekend = {saturday, sunday}
    assert await found(service, when="weekend") == ([ids[0]] if running_days & weekend else [])


@pytest.mark.parametrize(
    ("today", "days"),
    [
        (date(2026, 12, 7), (date(2026, 12, 12), date(2026, 12, 13))),  # a Monday: the coming weekend
        (date(2026, 12, 11), (date(2026, 12, 12), date(2026, 12, 13))),  # a Friday
        (date(2026, 12, 12), (date(2026, 12, 12), date(2026, 12, 13))),  # a Saturday: today and tomorrow
        (date(2026, 12, 13), (date(2026, 12, 13), date(2026, 12, 13))),  # a Sunday: what is left of it
    ],
)
def test_this_weekend_from_each_day_of_the_week(today: date, days: tuple[date, date]) -> None:
    assert days_of("weekend", today) == days
    assert days_of("today", today) == (today, today)
