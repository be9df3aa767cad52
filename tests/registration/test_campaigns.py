"""Campaigns over the API: admins create and change them, anyone reads them, broken ones are refused whole."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.registration.adapters.tables import campaigns
from shared.events.topics import CAMPAIGNS
from shared.store import reading

from .conftest import Service

DROP = object()


def body(*edits: tuple[str, Any]) -> dict[str, Any]:
    """A well-formed campaign, changed by ``(dotted path, value)`` edits (``DROP`` removes the key)."""
    campaign: dict[str, Any] = {
        "id": "2024-national",
        "year": 2024,
        "title": "2024年全国科普日",
        "theme": "提升全民科学素质，协力建设科技强国",
        "week": {"starts_on": "2024-09-15", "ends_on": "2024-09-25"},
        "registration": {"opens_on": "2024-08-15", "closes_on": "2024-09-25"},
        "info_completion_deadline": "2024-10-10",
        "summary_deadline": "2024-10-16",
        "recommendation_deadline": "2024-10-23",
        "categories": ["重点活动", "系列联合行动", "系列主场活动"],
        "joint_actions": ["学会科普联合行动", "企业科普联合行动"],
        "programmes": ["千馆展览探未来", "万场报告话前沿", "千万IP创科普"],
        "themes": ["卫生健康", "食品安全"],
        "target_groups": ["领导干部、公务员等政策制定者", "高校学生和青年科技工作者", "社会公众"],
        "indicators": ["组织动员", "数量规模"],
        "local_rules": [{"name": "食品安全科普活动", "kind": "name_contains", "match": "食品安全", "per": "county"}],
        "auto_approve": False,
        "settings": {"recommendation": {"levels": ["county", "city"], "forward_to": "province"}},
    }
    for path, value in edits:
        *parents, last = path.split(".")
        node: Any = campaign
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is DROP:
            del node[last]
        else:
            node[int(last) if isinstance(node, list) else last] = copy.deepcopy(value)
    return campaign


async def written(service: Service) -> tuple[int, int]:
    """Rows in the campaigns table and in the outbox."""
    backbone = service.container.backbone

    async def count(connection: Any) -> tuple[int, int]:
        rows = (await connection.execute(select(func.count()).select_from(campaigns))).scalar_one()
        o = backbone.tables.outbox
        # the campaigns stream only (the admin's own account-created goes with the units)
        outbox = (await connection.execute(select(func.count()).where(o.c.topic == CAMPAIGNS.name))).scalar_one()
        return rows, outbox

    return await reading(backbone.engine, count)


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_an_admin_creates_and_changes_campaigns_and_anyone_reads_them(service: Service) -> None:
    admin = await service.admin()
    created = await service.client.post("/api/v1/campaigns", json=body(("title", "  2024年全国科普日 ")), headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/api/v1/campaigns/2024-national"
    assert created.headers["ETag"] == '"1"'
    assert created.json() == {**body(), "version": 1, "settings": _with_defaults(body()["settings"])}
    weinan = body(
        ("id", "2022-weinan"),
        ("year", 2022),
        ("week", {"starts_on": "2022-09-15", "ends_on": "2022-09-21"}),
        ("registration", {"opens_on": "2022-08-15", "closes_on": None}),
        ("info_completion_deadline", None),
        ("summary_deadline", "2022-09-25"),
        ("recommendation_deadline", "2022-09-25"),
    )
    assert (await service.client.post("/api/v1/campaigns", json=weinan, headers=admin)).status_code == 201

    listed = await service.client.get("/api/v1/campaigns")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == ["2024-national", "2022-weinan"]
    assert listed.json()["items"][1]["registration"] == {"opens_on": "2022-08-15", "closes_on": None}

    read = await service.client.get("/api/v1/campaigns/2024-national")
    assert read.status_code == 200 and read.headers["ETag"] == '"1"' and read.json() == created.json()
    assert (
        await service.client.get("/api/v1/campaigns/2024-national", headers={"If-None-Match": '"1"'})
    ).status_code == 304

    changed = await service.client.put(
        "/api/v1/campaigns/2024-national",
        json=body(("theme", "新主题"), ("programmes", ["千馆展览探未来"])),
        headers={**admin, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"' and changed.json()["version"] == 2
    read = await service.client.get("/api/v1/campaigns/2024-national")
    assert read.json()["theme"] == "新主题" and read.json()["programmes"] == ["千馆展览探未来"]

    campaign, version = await service.container.campaigns.get("2024-national") or pytest.fail("not stored")
    assert version == 2 and campaign.local_rules[0].match == "食品安全" and campaign.week.opens_on is not None
    settings: dict[str, Any] = campaign.settings
    assert settings["recommendation"]["forward_to"] == "province"
    assert await written(service) == (2, 3)  # three campaign-configured events went to the outbox

    before = await written(service)
    stale = await service.client.put(
        "/api/v1/campaigns/2024-national", json=body(("theme", "旧版本上的修改")), headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 409, stale.text
    assert await written(service) == before


def _with_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    defaults = {
        "societies": False,
        "quotas": {},
        "unit_quotas": {},
        "society_quota": None,
        "society_unit_quota": None,
        "windows": {},
        "ministries": False,
        "units": False,
        "commending": ["national"],
    }
    return {**settings, "recommendation": {**defaults, **settings["recommendation"]}}


BROKEN: dict[str, tuple[tuple[str, Any], str]] = {
    "id-with-space": (("id", "2024 national"), "id"),
    "id-uppercase": (("id", "National-2024"), "id"),
    "id-leading-dash": (("id", "-2024"), "id"),
    "id-too-short": (("id", "a"), "id"),
    "id-too-long": (("id", "a" * 65), "id"),
    "year-before-the-first": (("year", 2003), "year"),
    "year-far-ahead": (("year", 2101), "year"),
    "week-missing": (("week", DROP), "week"),
    "week-backwards": (("week.ends_on", "2024-09-01"), "week"),
    "week-in-another-year": (("week", {"starts_on": "2025-09-15", "ends_on": "2025-09-25"}), "week"),
    "week-not-a-date": (("week.starts_on", "9月15日"), "week.starts_on"),
    "registration-backwards": (("registration.closes_on", "2024-08-01"), "registration"),
    "info-completion-before-week": (("info_completion_deadline", "2024-09-14"), "info_completion_deadline"),
    "summary-before-week": (("summary_deadline", "2024-09-01"), "summary_deadline"),
    "recommendation-before-week": (("recommendation_deadline", "2024-01-01"), "recommendation_deadline"),
    "duplicate-category": (("categories", ["重点活动", "重点活动"]), "categories"),
    "duplicate-after-strip": (("target_groups", ["社会公众", " 社会公众 "]), "target_groups"),
    "theme-too-long": (("themes", ["长" * 51]), "themes.0"),
    "blank-joint-action": (("joint_actions", ["   "]), "joint_actions.0"),
    "too-many-programmes": (("programmes", [f"计划{i}" for i in range(51)]), "programmes"),
    "indicators-not-a-list": (("indicators", "组织动员"), "indicators"),
    "rule-unknown-kind": (("local_rules.0.kind", "name_starts_with"), "local_rules.0.kind"),
    "rule-unknown-level": (("local_rules.0.per", "township"), "local_rules.0.per"),
    "rule-blank-match": (("local_rules.0.match", " "), "local_rules.0.match"),
    "rule-extra-field": (("local_rules.0.weight", 2), "local_rules.0.weight"),
    "rule-duplicate-name": (
        ("local_rules", [{"name": "食安", "kind": "name_contains", "match": m} for m in ("食品安全", "食安")]),
        "local_rules",
    ),
    "rule-unknown-category": (
        ("local_rules.0", {"name": "主场", "kind": "category", "match": "主场活动"}),
        "local_rules",
    ),
    "too-many-rules": (
        ("local_rules", [{"name": f"规则{i}", "kind": "name_contains", "match": "科普"} for i in range(21)]),
        "local_rules",
    ),
    "unknown-field": (("venue", "中国科技馆"), "venue"),
    "blank-title": (("title", "   "), "title"),
    "auto-approve-not-a-bool": (("auto_approve", "perhaps"), "auto_approve"),
    "chain-top-down": (("settings.recommendation.levels", ["city", "county"]), "settings.recommendation"),
    "chain-forwards-downward": (("settings.recommendation.forward_to", "city"), "settings.recommendation"),
    "quota-outside-chain": (("settings.recommendation.quotas", {"national": 10}), "settings.recommendation"),
    "unit-quota-outside-chain": (("settings.recommendation.unit_quotas", {"national": 3}), "settings.recommendation"),
    "window-outside-chain": (
        ("settings.recommendation.windows", {"national": {"closes_on": "2024-10-20"}}),
        "settings.recommendation",
    ),
    "window-backwards": (
        ("settings.recommendation.windows", {"city": {"opens_on": "2024-10-20", "closes_on": "2024-10-01"}}),
        "settings.recommendation.windows.city",
    ),
    "quota-zero": (("settings.recommendation.quotas", {"city": 0}), "settings.recommendation.quotas.city"),
    "chain-unknown-key": (("settings.recommendation.deadline", "2024-10-01"), "settings.recommendation.deadline"),
    "region-not-a-code": (("settings.region_code", "渭南"), "settings.region_code"),
    "settings-too-large": (("settings.notes", "字" * 6000), "settings"),
}


async def test_every_broken_rule_is_refused_naming_the_field_and_nothing_is_written(service: Service) -> None:
    admin = await service.admin()  # one service for all the cases: each would otherwise pay for a login
    before = await written(service)
    wrong = []
    for case, (edit, field) in BROKEN.items():
        response = await service.client.post("/api/v1/campaigns", json=body(edit), headers=admin)
        if response.status_code != 422 or field not in fields(response):
            wrong.append(f"{case}: expected 422 naming {field}, got {response.status_code} {response.text}")
    assert not wrong, "\n".join(wrong)
    assert await written(service) == before
    assert (await service.client.post("/api/v1/campaigns", json=body(), headers=admin)).status_code == 201


async def test_a_change_is_refused_by_the_same_rules(service: Service) -> None:
    admin = await service.admin()
    assert (await service.client.post("/api/v1/campaigns", json=body(), headers=admin)).status_code == 201
    before = await written(service)
    headers = {**admin, "If-Match": '"1"'}
    broken = await service.client.put(
        "/api/v1/campaigns/2024-national", json=body(("summary_deadline", "2024-09-01")), headers=headers
    )
    assert broken.status_code == 422 and fields(broken) == ["summary_deadline"]
    renamed = await service.client.put(
        "/api/v1/campaigns/2024-national", json=body(("id", "2024-other")), headers=headers
    )
    assert renamed.status_code == 422 and fields(renamed) == ["id"]
    assert await written(service) == before


async def test_writes_need_an_admin(service: Service) -> None:
    admin = await service.admin()
    assert (await service.client.post("/api/v1/campaigns", json=body(), headers=admin)).status_code == 201
    before = await written(service)
    organizer = await service.organizer()
    reviewer = await service.staff("reviewer", "national")
    for headers, status in (({}, 401), (organizer, 403), (reviewer, 403)):
        created = await service.client.post("/api/v1/campaigns", json=body(("id", "2024-other")), headers=headers)
        assert created.status_code == status, created.text
        assert created.headers["content-type"] == "application/problem+json"
        changed = await service.client.put(
            "/api/v1/campaigns/2024-national", json=body(), headers={**headers, "If-Match": '"1"'}
        )
        assert changed.status_code == status, changed.text
    assert await written(service) == before
    assert (await service.client.get("/api/v1/campaigns")).status_code == 200  # reading is public


async def test_versions_guard_every_change(service: Service) -> None:
    admin = await service.admin()
    assert (await service.client.post("/api/v1/campaigns", json=body(), headers=admin)).status_code == 201
    before = await written(service)

    again = await service.client.post("/api/v1/campaigns", json=body(("theme", "另一个主题")), headers=admin)
    assert again.status_code == 409 and "PUT" in again.json()["detail"]
    unconditional = await service.client.put("/api/v1/campaigns/2024-national", json=body(), headers=admin)
    assert unconditional.status_code == 428 and unconditional.headers["content-type"] == "application/problem+json"
    garbled = await service.client.put(
        "/api/v1/campaigns/2024-national", json=body(), headers={**admin, "If-Match": "latest"}
    )
    assert garbled.status_code == 400
    ahead = await service.client.put(
        "/api/v1/campaigns/2024-national", json=body(), headers={**admin, "If-Match": '"7"'}
    )
    assert ahead.status_code == 409
    missing = await service.client.put(
        "/api/v1/campaigns/2030-national", json=body(("id", "2030-national")), headers={**admin, "If-Match": '"1"'}
    )
    assert missing.status_code == 404
    assert await written(service) == before
    assert (await service.client.get("/api/v1/campaigns/2030-national")).status_code == 404
