"""Commendation is a per-level right the campaign sets (Weinan: the city commends as well as the nation);
ministries' systems and national units recommend as bodies of their own kind; the public list of a
campaign's commended units and activities."""

from __future__ import annotations

import pytest

from .conftest import Service, admin, campaign, chain, reviewer, unit
from .test_recommendations import CITY, NATIONAL, PROVINCE, act, problem, recommend

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
WEINAN = chain(levels=["county", "city"], forward_to="province", commending=["city", "national"])


async def test_weinan_city_commends_what_reached_it_and_it_is_listed_publicly(service: Service) -> None:
    await service.feed(campaign("2022-weinan", recommendation=WEINAN), unit())
    activity_id = await service.eligible(campaign_id="2022-weinan")
    rec = (await recommend(service, activity_id, campaign_id="2022-weinan")).json()
    commended = await act(service, rec["id"], "commend", CITY, citation="市科协予以表扬")
    assert commended.status_code == 200, commended.text
    assert commended.json()["history"][-1]["action"] == "commended"
    problem(await act(service, rec["id"], "commend", CITY, citation="again"), 409, "已表扬")
    # the chain goes on: the city also forwards it (择优上报)
    assert (await act(service, rec["id"], "endorse", CITY, opinion="择优上报")).json()["level"] == "province"

    public = await service.client.get("/api/v1/commended", params={"campaign": "2022-weinan"})
    assert public.status_code == 200
    [listed] = public.json()
    assert (listed["kind"], listed["subject_id"], listed["name"]) == ("activity", activity_id, "走进科技馆")
    [commendation] = listed["commendations"]
    assert (commendation["level"], commendation["citation"]) == ("city", "市科协予以表扬")
    assert commendation["body_name"] == "渭南市"
    assert "13812345678" not in public.text and "王建国" not in public.text
    assert (await service.client.get("/api/v1/commended", params={"campaign": "2026"})).json() == []


async def test_a_level_without_the_right_or_outside_its_jurisdiction_cannot_commend(service: Service) -> None:
    await service.feed(campaign(), unit(), unit("unit-2", "610102"))
    activity_id = await service.eligible()
    rec = (await recommend(service, activity_id)).json()
    # the national notices: only the nation commends
    problem(await act(service, rec["id"], "commend", CITY, citation="x"), 403, "无表扬权")
    await service.feed(campaign("2022-weinan", recommendation=WEINAN))
    weinan_activity = await service.eligible(campaign_id="2022-weinan")
    weinan = (await recommend(service, weinan_activity, campaign_id="2022-weinan")).json()
    problem(await act(service, weinan["id"], "commend", reviewer("city", "6101"), citation="x"), 403, "管辖")
    problem(await act(service, weinan["id"], "commend", PROVINCE, citation="x"), 403, "无表扬权")
    # the nation commends only what its chain selected
    problem(await act(service, weinan["id"], "commend", admin(), citation="x"), 422, "入选")


async def test_a_ministry_recommends_within_its_field_when_the_campaign_lets_ministries(service: Service) -> None:
    await service.feed(campaign(recommendation=chain(levels=["province"], ministries=True)), unit())
    activity_id = await service.eligible(joint_action="部委系统联合行动")
    ministry = reviewer("national", "ministry:部委系统联合行动")
    sent = await recommend(service, activity_id, ministry)
    assert sent.status_code == 201, sent.text
    assert (sent.json()["level"], sent.json()["origin"]) == ("national", "national:ministry:部委系统联合行动")
    units = reviewer("national", "unit:中国科学院")
    problem(await recommend(service, activity_id, units), 403, "有关单位")
    assert (await act(service, sent.json()["id"], "endorse", NATIONAL, opinion="入选")).json()["status"] == "selected"
