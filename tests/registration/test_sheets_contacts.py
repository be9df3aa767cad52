"""The 附件1 sheet for staff: reviewers (their division) and admins (the country) read 负责人 and 联系电话
in clear, science workers masked; each such sheet is a ``contacts-viewed`` audit event on the privacy
topic (never a phone in it); outside the jurisdiction, or for a national society, a 403; an erased
person's contact is gone from the sheet."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events.topics import ACTIVITIES, PRIVACY

from .conftest import Service
from .test_activities import outbox
from .test_sheets_export import EXPORT, at, lines, two_units

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
LINWEI_PHONE, XIAN_PHONE = "13812345678", "13912345678"


async def sheet(service: Service, who: dict[str, str], query: str = "") -> list[list[Any]]:
    answer = await service.client.get(f"{EXPORT}{query}", headers=who)
    assert answer.status_code == 200, answer.text
    return lines(answer.content)[2:]


@BOTH
async def test_a_reviewer_reads_its_divisions_contacts_in_clear_and_each_read_is_audited(service: Service) -> None:
    await two_units(service)
    weinan = await service.staff("reviewer", "city", "6105")
    body = await sheet(service, weinan, "&key_only=true")
    assert {r[1] for r in body} >= {"食品安全进校园"} and "西安科普开放日" not in {r[1] for r in body}
    assert {at(r, "联系电话") for r in body} == {LINWEI_PHONE} and {at(r, "负责人") for r in body} == {"王建国"}
    assert all("13900001111" not in (at(r, "参与科技工作者") or "") for r in body)  # workers stay masked

    (audit,) = [data for kind, data in await outbox(service, PRIVACY.name) if kind == "contacts-viewed"]
    assert audit["body"] == "city:6105" and audit["role"] == "reviewer" and audit["sheet"] == "附件1"
    assert (audit["campaign_id"], audit["region"], audit["key_only"], audit["activities"]) == (
        "2026",
        "6105",
        True,
        len(body),
    )
    assert audit["viewer"] and audit["viewed_at"]
    every_event = str(await outbox(service, PRIVACY.name)) + str(await outbox(service, ACTIVITIES.name))
    assert LINWEI_PHONE not in every_event and "王建国" not in every_event  # the topics never carry them

    admin = await service.admin()
    country = await sheet(service, admin)
    assert {at(r, "联系电话") for r in country} == {LINWEI_PHONE, XIAN_PHONE}
    views = [data for kind, data in await outbox(service, PRIVACY.name) if kind == "contacts-viewed"]
    assert [v["body"] for v in views] == ["city:6105", "national:CN"] and views[1]["activities"] == 4


@BOTH
async def test_outside_the_jurisdiction_or_a_society_is_refused_and_nothing_is_audited(service: Service) -> None:
    await two_units(service)
    county = await service.staff("reviewer", "county", "610502")
    for query in ("&region=6101", "&region=61"):
        refused = await service.client.get(f"{EXPORT}{query}", headers=county)
        assert refused.status_code == 403 and "管辖范围" in refused.json()["detail"], refused.text
    society = await service.staff("reviewer", "national", "society:卫生健康")
    refused = await service.client.get(EXPORT, headers=society)
    assert refused.status_code == 403 and "全国学会" in refused.json()["detail"]
    assert [k for k, _ in await outbox(service, PRIVACY.name) if k == "contacts-viewed"] == []
    own = await sheet(service, county)  # inside: its own county only
    assert {r[1] for r in own} and "西安科普开放日" not in {r[1] for r in own}


@BOTH
async def test_an_erased_persons_contact_is_gone_from_the_sheet(service: Service) -> None:
    await two_units(service)
    province = await service.staff("reviewer", "province", "61")
    assert XIAN_PHONE in {at(r, "联系电话") for r in await sheet(service, province)}
    erased = await service.client.post("/api/v1/erasures", json={"phone": XIAN_PHONE}, headers=await service.admin())
    assert erased.status_code in (200, 201, 202), erased.text
    after = await sheet(service, province)
    xian = next(r for r in after if r[1] == "西安科普开放日")  # the activity stays, its contact person goes
    assert (at(xian, "联系电话"), at(xian, "负责人")) == (None, None)
    assert XIAN_PHONE not in str(after) and LINWEI_PHONE in {at(r, "联系电话") for r in after}
