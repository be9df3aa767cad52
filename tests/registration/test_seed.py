"""The seed campaigns: what the five notices say, loaded by the API's rules, configured once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cli.seed import configure
from services.registration.api.campaign_schemas import CampaignIn, campaign_document
from services.registration.seeds import SEEDS, SeedCampaign, SeedError, load_seed_campaign, load_seed_campaigns
from shared.events.topics import CAMPAIGNS
from shared.regions import PackagedRegions
from shared.store import reading

from .conftest import Service


@pytest.fixture(scope="module")
def seeds() -> dict[str, SeedCampaign]:
    return {seed.campaign.id: seed for seed in load_seed_campaigns()}


def test_one_file_per_notice(seeds: dict[str, SeedCampaign]) -> None:
    assert {seed.file: seed.notice[:3] for seed in seeds.values()} == {
        "000_2022-national.toml": "000",
        "001_2020-national.toml": "001",
        "002_2022-weinan.toml": "002",
        "003_2023-national.toml": "003",
        "004_2024-national.toml": "004",
    }
    for seed in seeds.values():
        assert seed.campaign.week.opens_on is not None and seed.campaign.week.opens_on.year == seed.campaign.year
        # no notice asks for content review before an activity is public: a choice, marked [assumed]
        assert seed.campaign.auto_approve is True and "auto_approve" in seed.assumed
        # every campaign has an activity period holding its concentrated week, and registration closes
        period = seed.campaign.activity_period
        assert period is not None and period.opens_on and period.closes_on
        assert period.opens_on <= seed.campaign.week.opens_on <= seed.campaign.week.closes_on <= period.closes_on
        assert period.opens_on.year == period.closes_on.year == seed.campaign.year
        assert seed.campaign.registration.closes_on is not None
        assert str(seed.campaign.year) in seed.notice_title


def test_2020_national(seeds: dict[str, SeedCampaign]) -> None:
    campaign = seeds["2020-national"].campaign
    assert campaign.theme == "决胜全面小康，践行科技为民"
    assert (campaign.week.opens_on, campaign.week.closes_on) == (date(2020, 9, 19), date(2020, 9, 25))
    assert (campaign.registration.opens_on, campaign.registration.closes_on) == (date(2020, 8, 3), date(2020, 9, 25))
    assert campaign.deadlines() == {
        "registration_closes_on": date(2020, 9, 25),
        "info_completion_deadline": date(2020, 10, 9),
        "summary_deadline": date(2020, 10, 16),
        "recommendation_deadline": date(2020, 10, 23),
    }
    assert len(campaign.joint_actions) == 10 and "节水科普联合行动" in campaign.joint_actions
    assert campaign.indicators == (
        "社会动员",
        "联合行动组织实施",
        "网络活动",
        "宣传工作",
        "科技志愿服务",
        "活动信息服务",
        "公众评价情况",
    )


def test_2022_national(seeds: dict[str, SeedCampaign]) -> None:
    campaign = seeds["2022-national"].campaign
    assert (campaign.week.opens_on, campaign.week.closes_on) == (date(2022, 9, 15), date(2022, 9, 21))
    assert (campaign.registration.opens_on, campaign.registration.closes_on) == (date(2022, 8, 15), date(2022, 9, 28))
    assert campaign.info_completion_deadline == campaign.summary_deadline == date(2022, 10, 14)
    assert campaign.recommendation_deadline == date(2022, 10, 25)
    assert campaign.indicators == ("组织动员", "数量规模", "品牌宣传", "科技志愿", "联合行动", "网络活动话题协同")
    assert "特别参与单位专项科普活动" in campaign.categories and "全国科普示范县联合行动" in campaign.joint_actions
    assert campaign.target_groups == ("青少年", "农民", "产业工人", "老年人", "领导干部和公务员")
    assert campaign.settings["thank_you_sms"] is True
    assert campaign.settings["recommendation"] == {
        "levels": ["province"],
        "forward_to": "national",
        "societies": True,
        "quotas": {},
        "unit_quotas": {},
        "society_quota": None,
        "society_unit_quota": None,
        "windows": {},
        "ministries": True,
        "units": False,
        "commending": ["national"],
    }


def test_2022_weinan_is_a_city_campaign_with_its_food_safety_rule(seeds: dict[str, SeedCampaign]) -> None:
    seed = seeds["2022-weinan"]
    campaign = seed.campaign
    assert (campaign.registration.opens_on, campaign.registration.closes_on) == (date(2022, 8, 15), date(2022, 9, 25))
    assert campaign.info_completion_deadline == date(2022, 10, 10)
    assert campaign.summary_deadline == campaign.recommendation_deadline == date(2022, 9, 25)
    (rule,) = campaign.local_rules
    assert (rule.kind, rule.match, rule.per) == ("name_contains", "食品安全", "county")
    assert "食品安全科普联合行动" in campaign.joint_actions
    settings: dict[str, Any] = campaign.settings
    assert settings["key_activity_plan_deadline"] == "2022-09-10"
    assert settings["recommendation"]["levels"] == ["county", "city"]
    assert settings["recommendation"]["forward_to"] == "province"
    assert PackagedRegions().name(settings["region_code"]) == "渭南市"
    assert settings["summary"] == {"reporters": ["county", "organizer"]}  # 五（四）: counties and units report
    assert seed.assumed.keys() == {
        "auto_approve",
        "indicator_weights",
        "settings.summary.reporters",
        "settings.activity_period",
        "settings.recommendation.commending",
    }
    assert settings["recommendation"]["commending"] == ["city", "national"]  # 市科协予以表扬


def test_2023_national_registers_from_08_21_to_the_weeks_end(seeds: dict[str, SeedCampaign]) -> None:
    seed = seeds["2023-national"]
    campaign = seed.campaign
    assert (campaign.week.opens_on, campaign.week.closes_on) == (date(2023, 9, 17), date(2023, 9, 23))
    assert (campaign.registration.opens_on, campaign.registration.closes_on) == (date(2023, 8, 21), date(2023, 9, 23))
    assert campaign.summary_deadline == date(2023, 10, 10)
    assert campaign.info_completion_deadline is None and campaign.recommendation_deadline is None
    assert "科技馆联合行动" in campaign.joint_actions and "“云上科普日”专项行动" in campaign.programmes
    assert campaign.target_groups == () and campaign.indicators == ()  # the notice lists none: any is accepted
    assert "settings.recommendation" in seed.assumed and "registration.closes_on" in seed.assumed


def test_2024_national_has_its_three_programmes_and_three_audiences(seeds: dict[str, SeedCampaign]) -> None:
    seed = seeds["2024-national"]
    campaign = seed.campaign
    assert campaign.theme == "提升全民科学素质，协力建设科技强国"
    assert (campaign.week.opens_on, campaign.week.closes_on) == (date(2024, 9, 15), date(2024, 9, 25))
    assert campaign.programmes == ("千馆展览探未来", "万场报告话前沿", "千万IP创科普")
    assert campaign.target_groups == ("领导干部、公务员等政策制定者", "高校学生和青年科技工作者", "社会公众")
    assert (campaign.registration.opens_on, campaign.registration.closes_on) == (date(2024, 7, 3), date(2024, 9, 25))
    assert campaign.deadlines() == {"registration_closes_on": date(2024, 9, 25)}
    assert "registration" in seed.assumed
    settings: dict[str, Any] = campaign.settings
    assert settings["science_map"]["service_circle_minutes"] == 30
    assert "settings.recommendation" in seed.assumed


async def test_the_api_takes_every_seed_as_it_is(service: Service, seeds: dict[str, SeedCampaign]) -> None:
    admin = await service.admin()
    for seed in seeds.values():
        document = campaign_document(seed.campaign, 0)
        del document["version"]
        assert CampaignIn.model_validate(document).campaign() == seed.campaign
        response = await service.client.post("/api/v1/campaigns", json=document, headers=admin)
        assert response.status_code == 201, response.text
    listed = (await service.client.get("/api/v1/campaigns")).json()["items"]
    assert [c["year"] for c in listed] == [2024, 2023, 2022, 2022, 2020]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_seeding_twice_configures_each_campaign_once(service: Service, seeds: dict[str, SeedCampaign]) -> None:
    registration = service.container
    assert [(await configure(registration, seed, update=False))[0] for seed in seeds.values()] == ["created"] * 5
    assert [(await configure(registration, seed, update=False))[0] for seed in seeds.values()] == ["unchanged"] * 5

    backbone = registration.backbone
    events, outbox = backbone.tables.events, backbone.tables.outbox

    async def recorded(connection: AsyncConnection) -> tuple[list[Any], list[Any]]:
        configured = select(events.c.aggregate_id, events.c.version).where(events.c.type == "campaign-configured")
        return list(await connection.execute(configured)), list(await connection.execute(select(outbox.c.topic)))

    rows, topics = await reading(backbone.engine, recorded)
    assert sorted(tuple(row) for row in rows) == sorted((seed_id, 1) for seed_id in seeds)
    assert [topic for (topic,) in topics] == [CAMPAIGNS.name] * 5


async def test_a_campaign_an_admin_changed_is_left_alone_unless_updating(
    service: Service, seeds: dict[str, SeedCampaign]
) -> None:
    seed = seeds["2022-weinan"]
    admin = await service.admin()
    await configure(service.container, seed, update=False)
    edited = campaign_document(seed.campaign, 1) | {"theme": "渭南市自定主题"}
    del edited["version"]
    changed = await service.client.put(
        "/api/v1/campaigns/2022-weinan", json=edited, headers={**admin, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text

    status, detail = await configure(service.container, seed, update=False)
    assert status == "differs" and "--update" in detail
    assert (await service.client.get("/api/v1/campaigns/2022-weinan")).json()["theme"] == "渭南市自定主题"
    assert (await configure(service.container, seed, update=True))[0] == "updated"
    campaign, version = await service.container.campaigns.get("2022-weinan") or pytest.fail("gone")
    assert (campaign, version) == (seed.campaign, 3)


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("starts_on = 2024-09-15", "starts_on = 2024-09-26", "week"),
        ('categories = ["重点活动"', 'categories = ["重点活动", "重点活动"', "categories"),
        ("[assumed]\n", '[assumed]\nindicators = "the file sets no indicators"\n', "indicators"),
        ('notice = "004_0b5cbe8e22961534.txt"\n', "", "[source]"),
        ('id = "2024-national"', "id = ", "Invalid"),
    ],
)
def test_a_broken_seed_file_is_refused_by_name(tmp_path: Path, old: str, new: str, complaint: str) -> None:
    valid = (SEEDS / "004_2024-national.toml").read_text("utf-8")
    assert old in valid
    broken = tmp_path / "009_broken.toml"
    broken.write_text(valid.replace(old, new), "utf-8")
    with pytest.raises(SeedError) as refused:
        load_seed_campaign(broken)
    assert "009_broken.toml" in str(refused.value) and complaint in str(refused.value)


def test_each_notice_says_who_reports_its_summary(seeds: dict[str, SeedCampaign]) -> None:
    """工作总结: 2020 the organizers by 10-16, 2023 the provinces and societies by 10-10; none in 2022 / 2024."""
    reporters = {key: seed.campaign.settings.get("summary", {}).get("reporters") for key, seed in seeds.items()}
    assert reporters["2020-national"] == ["organizer"]
    assert reporters["2023-national"] == ["province", "society"]
    assert reporters["2022-national"] is None and reporters["2024-national"] is None
    assert seeds["2020-national"].campaign.summary_deadline == date(2020, 10, 16)
    assert seeds["2023-national"].campaign.summary_deadline == date(2023, 10, 10)
