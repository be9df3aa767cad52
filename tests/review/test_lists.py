"""Reviewers' boxes and scoreboards through review's API: every box, counts, indicator figures against
hand-computed values, sorting and paging, and jurisdiction: items in two provinces, each reviewer's
view checked item by item (lists, counts, scoreboards)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.web.cursor import encode_cursor
from tests.review.conftest import (
    Service,
    activity,
    admin,
    campaign,
    chain,
    check_in,
    feedback,
    organizer,
    reviewer,
    unit,
    withdrawn,
)

LIST = "/api/v1/recommendations"
INDICATORS = "/api/v1/indicators"
BOXES = ("received", "sent", "endorsed", "declined", "all")
CREATED = ("a1", "unit", "a3", "a4", "a5", "a6")  # in the order the world recommends them

WHO: dict[str, dict[str, str]] = {
    "county 610502": reviewer("county", "610502"),
    "county 610503": reviewer("county", "610503"),
    "county 620102": reviewer("county", "620102"),
    "city 6105": reviewer("city", "6105"),
    "city 6101": reviewer("city", "6101"),
    "city 6201": reviewer("city", "6201"),
    "province 61": reviewer("province", "61"),
    "province 62": reviewer("province", "62"),
    "society 卫生健康": reviewer("national", "society:卫生健康"),
    "society 食品安全": reviewer("national", "society:食品安全"),
    "national": reviewer("national"),
    "admin": admin(),
}
# Each reviewer's boxes, by the world's names; a box left out is empty.
VIEWS: dict[str, dict[str, list[str]]] = {
    "county 610502": {"sent": ["a1", "unit"], "all": ["a1", "unit"]},
    "county 610503": {"sent": ["a3"], "all": ["a3"]},
    "county 620102": {"sent": ["a5"], "all": ["a5", "a6"]},
    "city 6105": {"received": ["unit"], "endorsed": ["a1"], "declined": ["a3"], "all": ["a1", "unit", "a3"]},
    "city 6101": {"sent": ["a4"], "all": ["a4"]},
    "city 6201": {"received": ["a5"], "all": ["a5", "a6"]},
    "province 61": {"received": ["a1", "a4"], "all": ["a1", "unit", "a3", "a4"]},
    "province 62": {"all": ["a5", "a6"]},
    "society 卫生健康": {"sent": ["a6"], "all": ["a6"]},
    "society 食品安全": {"all": ["a3"]},
    "national": {"received": ["a6"], "all": list(CREATED)},
    "admin": {"received": ["a6"], "all": list(CREATED)},
}
PHONES = {name: f"138000000{n:02d}" for n, name in enumerate(CREATED, start=1)}


def form(activity_id: str, name: str, **changes: Any) -> dict[str, Any]:
    body = {
        "campaign_id": "2026",
        "activity_id": activity_id,
        "reason": f"{name}：组织动员充分，参与人数多",
        "main_content": f"{name}：面向中小学生开展科学实验展示",
        "contact_name": "王建国",
        "contact_phone": PHONES[name],
        "opinion": "同意推荐",
    }
    body.update(changes)
    return body


def unit_form(unit_id: str) -> dict[str, Any]:
    return {
        "campaign_id": "2026",
        "unit_id": unit_id,
        "unit_level": "县级",
        "staff_count": 86,
        "contact_name": "李晓燕",
        "contact_phone": PHONES["unit"],
        "deeds": "组织全区学校开展科普日活动二十余场",
        "opinion": "同意推荐",
    }


async def posted(service: Service, path: str, body: dict[str, Any] | None, who: dict[str, str]) -> dict[str, Any]:
    answer = await service.client.post(path, json=body, headers=who)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


@dataclass
class World:
    """Two provinces' activities, units and recommendations; ``recs`` maps the world's names to ids."""

    activities: dict[str, str] = field(default_factory=dict)
    recs: dict[str, str] = field(default_factory=dict)

    def name_of(self, rec_id: str) -> str:
        return next(name for name, known in self.recs.items() if known == rec_id)


async def build_world(service: Service) -> World:
    """陕西 (61: 渭南 6105 with 临渭 610502 and 华州 610503, 西安 6101) and 甘肃 (62: 兰州 620102).

    临渭's unit holds a1 (online, joint action, 3 science workers, 4 check-ins, rated 5 and 4), a2
    (offline, no joint action, 2 workers, 1 check-in, rated 3, info not completed) and a withdrawn
    activity (which counts nowhere). Recommended: a1 and the unit by 临渭, a3 by 华州 (declined by
    渭南), a4 by 西安 (a city), a5 by 兰州's county, a6 by the 卫生健康 society; 渭南 endorses a1.
    """
    world = World()
    await service.feed(
        campaign(recommendation=chain(societies=True)),
        unit("u-linwei", "610502", name="临渭区青少年科技馆"),
        unit("u-huazhou", "610503", name="华州区科协"),
        unit("u-xian", "610102", name="西安市第一中学"),
        unit("u-lanzhou", "620102", name="兰州市城关区科协"),
    )
    plain: dict[str, Any] = {"themes": ["乡村振兴"]}
    world.activities["a1"] = await service.eligible(
        unit_id="u-linwei", region_code="610502", name="临渭科技馆开放日", format="online", **plain
    )
    a2 = activity(
        unit_id="u-linwei",
        region_code="610502",
        name="临渭农技讲座",
        joint_action=None,
        science_worker_count=2,
        **plain,
    )
    gone = activity(unit_id="u-linwei", region_code="610502", name="已撤销的活动", science_worker_count=9)
    a1 = world.activities["a1"]
    await service.feed(
        a2,
        gone,
        withdrawn(gone.subject),
        *(check_in(a1) for _ in range(4)),
        feedback(a1, 5),
        feedback(a1, 4),
        check_in(a2.subject),
        feedback(a2.subject, 3),
        check_in(gone.subject),
        feedback(gone.subject, 1),
    )
    world.activities["a2"] = a2.subject
    world.activities["a3"] = await service.eligible(
        unit_id="u-huazhou", region_code="610503", name="华州食品安全进校园", themes=["食品安全"]
    )
    world.activities["a4"] = await service.eligible(
        unit_id="u-xian", region_code="610102", name="西安科普开放日", **plain
    )
    world.activities["a5"] = await service.eligible(
        unit_id="u-lanzhou", region_code="620102", name="兰州黄河科普行", **plain
    )
    world.activities["a6"] = await service.eligible(
        unit_id="u-lanzhou", region_code="620102", name="兰州健康讲座", themes=["卫生健康"]
    )
    acts = world.activities
    world.recs["a1"] = (await posted(service, LIST, form(acts["a1"], "a1"), WHO["county 610502"]))["id"]
    world.recs["unit"] = (await posted(service, f"{LIST}/units", unit_form("u-linwei"), WHO["county 610502"]))["id"]
    for name, who in (
        ("a3", "county 610503"),
        ("a4", "city 6101"),
        ("a5", "county 620102"),
        ("a6", "society 卫生健康"),
    ):
        world.recs[name] = (await posted(service, LIST, form(acts[name], name), WHO[who]))["id"]
    await posted(service, f"{LIST}/{world.recs['a3']}/decline", {"reason": "材料不全"}, WHO["city 6105"])
    await posted(service, f"{LIST}/{world.recs['a1']}/endorse", {"opinion": "同意上报"}, WHO["city 6105"])
    return world


async def box(service: Service, who: dict[str, str], name: str, **params: Any) -> dict[str, Any]:
    answer = await service.client.get(LIST, params={"campaign": "2026", "box": name, **params}, headers=who)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def scoreboard(service: Service, who: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = await service.client.get(INDICATORS, params={"campaign": "2026", **params}, headers=who)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


FIGURE_NAMES = (
    "activities online_activities joint_action_activities science_workers participation ratings average_rating"
    " info_completed completion_rate"
).split()


def figures(*values: float | None) -> dict[str, float | None]:
    return dict(zip(FIGURE_NAMES, values, strict=True))


# hand-computed: a1 and a2 (the withdrawn activity counts nowhere); a1 alone
LINWEI_UNIT = figures(2, 1, 1, 3 + 2, 4 + 1, 3, (5 + 4 + 3) / 3, 1, 1 / 2)
A1 = figures(1, 1, 1, 3, 4, 2, (5 + 4) / 2, 1, 1.0)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_each_box_shows_forms_history_and_figures_of_the_callers_jurisdiction(service: Service) -> None:
    world = await build_world(service)
    city = WHO["city 6105"]

    endorsed = await box(service, city, "endorsed")
    assert endorsed["counts"] == {"received": 1, "sent": 0, "endorsed": 1, "declined": 1, "all": 3}
    assert endorsed["paging"] == "keyset" and endorsed["next_cursor"] is None
    (item,) = endorsed["items"]
    assert (item["id"], item["kind"], item["subject_id"]) == (world.recs["a1"], "activity", world.activities["a1"])
    assert [item[k] for k in ("level", "status", "origin", "unit_id")] == [
        "province",
        "pending",
        "county:610502",
        "u-linwei",
    ]
    assert item["subject_name"] == "临渭科技馆开放日" and item["unit_name"] == "610502科普单位"
    assert item["form"]["contact_phone"] == PHONES["a1"] and item["form"]["main_content"].startswith("a1：")
    assert [(s["action"], s["level"], s["body"], s["text"]) for s in item["history"]] == [
        ("recommended", "county", "county:610502", "a1：组织动员充分，参与人数多"),
        ("endorsed", "city", "city:6105", "同意上报"),
    ]
    assert item["figures"] == {"activity": A1, "unit": LINWEI_UNIT}

    (waiting,) = (await box(service, city, "received"))["items"]
    assert (
        waiting["kind"] == "unit"
        and waiting["unit_id"] == "u-linwei"
        and waiting["subject_name"] == "临渭区青少年科技馆"
    )
    assert waiting["form"]["deeds"] == "组织全区学校开展科普日活动二十余场" and waiting["form"]["staff_count"] == 86
    assert waiting["figures"] == {"activity": None, "unit": LINWEI_UNIT}

    (declined,) = (await box(service, city, "declined"))["items"]
    assert declined["status"] == "declined" and declined["history"][-1]["text"] == "材料不全"
    assert declined["figures"]["unit"]["activities"] == 1 and declined["figures"]["unit"]["average_rating"] is None

    assert [i["id"] for i in (await box(service, city, "all", kind="activity"))["items"]] == [
        world.recs["a1"],
        world.recs["a3"],
    ]
    units = (await box(service, city, "all", kind="unit"))["counts"]  # counts follow the kind asked
    assert [units[b] for b in BOXES] == [1, 0, 0, 0, 1]
    sent = await box(service, WHO["county 610502"], "sent")
    assert [i["id"] for i in sent["items"]] == [world.recs["a1"], world.recs["unit"]]

    # the top level receives what is pending there and keeps what it selected
    national = WHO["national"]
    await posted(service, f"{LIST}/{world.recs['a6']}/endorse", {"opinion": "入选"}, national)
    received = await box(service, national, "received")
    assert [(i["id"], i["status"]) for i in received["items"]] == [(world.recs["a6"], "selected")]
    assert (await box(service, national, "endorsed"))["counts"]["endorsed"] == 1
    commended = await posted(service, f"{LIST}/{world.recs['a6']}/commend", {"citation": "表扬"}, admin())
    assert commended["commended"] is True
    assert (await box(service, admin(), "endorsed"))["items"][0]["commended"] is True  # admin acts for national:CN


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_no_reviewer_ever_sees_an_item_from_outside_its_jurisdiction(service: Service) -> None:
    world = await build_world(service)
    for who, view in VIEWS.items():
        counts = None
        for name in BOXES:
            page = await box(service, WHO[who], name)
            shown = [world.name_of(i["id"]) for i in page["items"]]
            assert shown == view.get(name, []), (who, name, shown)
            assert all(i["form"]["contact_phone"] == PHONES[world.name_of(i["id"])] for i in page["items"])
            counts = page["counts"]
        assert counts == {name: len(view.get(name, [])) for name in BOXES}, who


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_scoreboards_count_only_the_callers_jurisdiction(service: Service) -> None:
    await build_world(service)
    city = await scoreboard(service, WHO["city 6105"])
    assert (city["by"], city["region"]) == ("unit", "6105")
    assert [(i["key"], i["name"], i["region_code"]) for i in city["items"]] == [
        ("u-linwei", "临渭区青少年科技馆", "610502"),
        ("u-huazhou", "华州区科协", "610503"),
    ]
    assert city["items"][0]["figures"] == LINWEI_UNIT
    assert city["total"]["activities"] == 3 and city["total"]["participation"] == 5

    counties = await scoreboard(service, WHO["city 6105"], by="region")
    assert [(i["key"], i["name"], i["figures"]["activities"]) for i in counties["items"]] == [
        ("610502", "临渭区", 2),
        ("610503", "华州区", 1),
    ]
    wider = await scoreboard(service, WHO["city 6105"], by="region", region="61")  # only its own part of 61
    assert (wider["region"], wider["digits"]) == ("6105", 4) and [i["key"] for i in wider["items"]] == ["6105"]

    province = await scoreboard(service, WHO["province 61"], by="region", sort="-participation")
    assert [(i["key"], i["name"], i["figures"]["participation"]) for i in province["items"]] == [
        ("6105", "渭南市", 5),
        ("6101", "西安市", 0),
    ]
    assert province["total"]["activities"] == 4
    nation = await scoreboard(service, admin(), by="region")
    assert [(i["key"], i["name"], i["figures"]["activities"]) for i in nation["items"]] == [
        ("61", "陕西省", 4),
        ("62", "甘肃省", 2),
    ]
    society = await scoreboard(service, WHO["society 卫生健康"])
    assert [(i["key"], i["figures"]["activities"]) for i in society["items"]] == [("u-lanzhou", 1)]
    assert society["total"]["activities"] == 1

    foreign = await service.client.get(
        INDICATORS, params={"campaign": "2026", "region": "62"}, headers=WHO["province 61"]
    )
    assert foreign.status_code == 403 and foreign.json()["errors"][0]["field"] == "region", foreign.text
    rated = await scoreboard(service, WHO["province 61"], sort="-rating", limit=1)
    assert [i["key"] for i in rated["items"]] == ["u-linwei"] and rated["next_cursor"]
    rest = await scoreboard(service, WHO["province 61"], sort="-rating", limit=5, cursor=rated["next_cursor"])
    assert [i["key"] for i in rest["items"]] == ["u-huazhou", "u-xian"]  # the unrated last, by key
    assert all(i["figures"]["average_rating"] is None for i in rest["items"]) and rest["next_cursor"] is None


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_sorting_by_indicators_and_paging(service: Service) -> None:
    await service.feed(campaign(), unit("u-1", "610502"), unit("u-2", "610502"))
    county, city = WHO["county 610502"], WHO["city 6105"]
    # participation, ratings per activity (unit u-1 holds the first three)
    shapes = [("u-1", 3, [2]), ("u-1", 7, []), ("u-1", 1, [5, 5]), ("u-2", 5, [4])]
    ids = []
    for n, (unit_id, check_ins, ratings) in enumerate(shapes):
        activity_id = await service.eligible(unit_id=unit_id, region_code="610502", name=f"活动{n}")
        await service.feed(
            *(check_in(activity_id) for _ in range(check_ins)), *(feedback(activity_id, r) for r in ratings)
        )
        body = form(activity_id, "a1", reason=f"活动{n}")
        ids.append((await posted(service, LIST, body, county))["id"])

    async def order(sort: str, **params: Any) -> list[int]:
        page = await box(service, city, "received", sort=sort, **params)
        assert page["paging"] == ("keyset" if sort.endswith("created_at") else "offset") and page["sort"] == sort
        return [ids.index(i["id"]) for i in page["items"]]

    assert await order("created_at") == [0, 1, 2, 3]
    assert await order("-created_at") == [3, 2, 1, 0]
    assert await order("-participation") == [1, 3, 0, 2]
    assert await order("participation") == [2, 0, 3, 1]
    assert await order("rating") == [0, 3, 2, 1]  # 2, 4, 5; the unrated last
    assert await order("-rating") == [2, 3, 0, 1]  # the unrated last either way
    assert await order("science_workers") == [0, 1, 2, 3]  # ties by created_at

    unit_rec = (await posted(service, f"{LIST}/units", unit_form("u-1"), county))["id"]
    mixed = await box(service, city, "received", sort="-participation")
    assert [i["id"] for i in mixed["items"]] == [unit_rec, ids[1], ids[3], ids[0], ids[2]]  # u-1: 3 + 7 + 1

    for sort in ("created_at", "-created_at", "-participation", "rating"):
        every = [i["id"] for i in (await box(service, city, "received", sort=sort))["items"]]
        walked, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = await box(service, city, "received", **params)
            walked += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert walked == every and len(walked) == 5, sort


async def test_bad_parameters_are_422_naming_the_parameter(service: Service) -> None:
    await build_world(service)
    city = WHO["city 6105"]
    first = await box(service, city, "all", limit=1)
    for params, field_name in (
        ({"box": "inbox"}, "box"),
        ({"kind": "school"}, "kind"),
        ({"sort": "name"}, "sort"),
        ({"sort": "-activities"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor(["k", "created_at", "0001-01-01T00:00:00+08:00", "r1"])}, "cursor"),
        ({"cursor": first["next_cursor"], "sort": "-created_at"}, "cursor"),
        ({"cursor": first["next_cursor"], "sort": "rating"}, "cursor"),
    ):
        answer = await service.client.get(LIST, params={"campaign": "2026", **params}, headers=city)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field_name in {e["field"] for e in answer.json()["errors"]}, (params, answer.json())
    missing = await service.client.get(LIST, headers=city)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "campaign"
    for params, field_name in (({"by": "city"}, "by"), ({"region": "6"}, "region"), ({"sort": "created_at"}, "sort")):
        answer = await service.client.get(INDICATORS, params={"campaign": "2026", **params}, headers=city)
        assert answer.status_code == 422 and field_name in {e["field"] for e in answer.json()["errors"]}, answer.text
    unknown = await service.client.get(LIST, params={"campaign": "1999"}, headers=city)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
    assert (await service.client.get(LIST, params={"campaign": "2026"}, headers=organizer())).status_code == 403
    assert (await service.client.get(INDICATORS, params={"campaign": "2026"}, headers=organizer())).status_code == 403
    assert (await service.client.get(LIST, params={"campaign": "2026"})).status_code == 401


async def test_a_check_in_or_rating_published_twice_counts_once_in_the_figures(service: Service) -> None:
    """The relay publishes an event again after a crash between publishing and marking it: the
    copy carries the same event id, in the same batch or a later one, and changes no figure."""
    await service.feed(campaign(), unit("u-linwei", "610502"))
    held = activity(unit_id="u-linwei", region_code="610502", joint_action=None, science_worker_count=0)
    came, rated = check_in(held.subject), feedback(held.subject, 4)
    await service.feed(held, came, rated, came)
    await service.feed(rated, came)
    board = await scoreboard(service, WHO["county 610502"])
    (item,) = board["items"]
    assert (item["figures"]["participation"], item["figures"]["ratings"]) == (1, 1)
    assert item["figures"]["average_rating"] == 4
