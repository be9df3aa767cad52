"""How registration's domain errors are answered: one mapping (api/errors.py), the texts of the routes."""

from __future__ import annotations

from services.registration.api.errors import INVALID, MISSING, Invalid, not_found_problem, rule_problem
from services.registration.domain.errors import NotFound, Refused, RuleBroken


def test_a_broken_rule_is_a_422_naming_its_field_under_the_routes_title() -> None:
    problem = rule_problem(RuleBroken("ends_at", "结束须晚于开始"), INVALID["activities"])
    assert (problem.status, problem.title, problem.detail) == (422, "活动信息无效 (invalid activity)", "结束须晚于开始")
    assert problem.extra == {"errors": [{"field": "ends_at", "message": "结束须晚于开始"}]}


def test_a_route_may_rename_a_domain_field_or_answer_without_errors() -> None:
    staff = rule_problem(RuleBroken("region_code", "不存在"), INVALID["accounts"])
    export = rule_problem(RuleBroken("campaign_id", "活动年度 x 不存在"), INVALID["sheets.export_activities"])
    assert staff.extra["errors"][0]["field"] == "jurisdiction"
    assert (export.status, export.title, export.extra) == (404, "活动年度不存在 (not found)", {})


def test_a_refusal_is_a_403_whatever_the_route() -> None:
    problem = rule_problem(Refused("role", "只有市、县（区）科协审核人员可以查看"), Invalid("x"))
    assert (problem.status, problem.title) == (403, "无权操作 (forbidden)")


def test_what_was_not_found_names_its_id() -> None:
    assert set(MISSING) == {"activity", "draft", "route"}
    problem = not_found_problem(NotFound("draft", "d1"))
    assert (problem.status, problem.title, problem.detail) == (404, "草稿不存在 (not found)", "No draft d1 of yours")
