"""Who may export what, and which requests are refused, decided without a database or a server; and the
problem each refusal is answered with, word for word as the API has always answered it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from services.analytics.api.errors import problem_of
from services.analytics.domain.access import CampaignAccess
from services.analytics.domain.errors import Forbidden, RuleBroken, Unauthenticated, UnknownTable
from services.analytics.exports.access import allowed_region
from services.analytics.exports.catalog import TABLES, table_named
from services.analytics.exports.filters import ExportFilter, checked

PUBLIC = CampaignAccess(known=True, public=True)
CLOSED = CampaignAccess(known=True, public=False)


@dataclass(frozen=True)
class Caller:
    role: str
    jurisdiction: str | None = None


def test_a_summary_of_a_public_campaign_is_for_anyone_with_the_region_asked_for() -> None:
    assert allowed_region(TABLES["by-region"], None, "6105", PUBLIC) == "6105"
    assert allowed_region(TABLES["by-category"], Caller("organizer"), None, PUBLIC) is None


def test_a_summary_of_a_closed_campaign_needs_staff() -> None:
    with pytest.raises(Unauthenticated) as missing:
        allowed_region(TABLES["by-region"], None, None, CLOSED)
    assert "by-region" in missing.value.message
    with pytest.raises(Forbidden):
        allowed_region(TABLES["by-region"], Caller("organizer"), None, CLOSED)
    assert allowed_region(TABLES["by-region"], Caller("reviewer", "6105"), "6101", CLOSED) == "6101"  # public figures


def test_the_tables_with_contacts_need_staff_and_keep_a_reviewer_inside_its_jurisdiction() -> None:
    table = TABLES["key-activities"]
    with pytest.raises(Unauthenticated):
        allowed_region(table, None, "6105", PUBLIC)
    with pytest.raises(Forbidden) as organizer:
        allowed_region(table, Caller("organizer"), "6105", PUBLIC)
    assert organizer.value.message.endswith("the token's role is organizer")
    assert allowed_region(table, Caller("reviewer", "6105"), None, PUBLIC) == "6105"
    assert allowed_region(table, Caller("reviewer", "6105"), "610502", PUBLIC) == "610502"
    with pytest.raises(Forbidden):
        allowed_region(table, Caller("reviewer", "6105"), "6101", PUBLIC)
    assert allowed_region(table, Caller("reviewer", "kexie-society"), "6101", PUBLIC) == "6101"
    assert allowed_region(table, Caller("admin", "6105"), None, PUBLIC) is None


def test_a_filter_needs_a_region_that_exists_and_a_span_in_order() -> None:
    assert checked("2022-weinan", "1101", None, None) == ExportFilter("2022-weinan", "1101")  # a municipality's city
    with pytest.raises(RuleBroken) as region:
        checked("2022-weinan", "6199", None, None)
    assert region.value.field == "region"
    with pytest.raises(RuleBroken) as span:
        checked("2022-weinan", None, date(2022, 9, 20), date(2022, 9, 18))
    assert span.value.field == "date_from"


def test_an_unknown_table_names_the_tables_there_are() -> None:
    with pytest.raises(UnknownTable) as unknown:
        table_named("nope")
    assert (
        unknown.value.message == "No export table 'nope'; there are: activities, key-activities, by-region, by-category"
    )


def test_each_refusal_is_answered_as_it_always_was() -> None:
    missing = problem_of(Unauthenticated("x"))
    assert (missing.status, missing.title, missing.detail) == (401, "需要登录 (authentication required)", "x")
    assert missing.headers == {"WWW-Authenticate": "Bearer"}
    forbidden = problem_of(Forbidden("y"))
    assert (forbidden.status, forbidden.title, forbidden.detail) == (403, "无权操作 (forbidden)", "y")
    invalid = problem_of(RuleBroken("region", "z"))
    assert (invalid.status, invalid.title, invalid.detail) == (
        422,
        "请求内容无效 (invalid request)",
        "Invalid fields: region",
    )
    assert invalid.extra == {"errors": [{"field": "region", "message": "z", "type": "value_error"}]}
    unknown = problem_of(UnknownTable("w"))
    assert (unknown.status, unknown.title) == (404, "没有这张表 (unknown table)")
