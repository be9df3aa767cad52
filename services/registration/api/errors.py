"""The one mapping of registration's domain errors to problem+json, installed by ``create_app``.

A command raises :mod:`..domain.errors`; no route catches them to translate. What a broken rule is
called depends on what was asked (an invalid activity, an invalid route, a password not changed), so
the title is looked up by the router module that answered (or that module and its route, for the one
route whose broken rule reads as "not found").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.web.problems import Problem, problem_response

from ..domain.errors import NotFound, Refused, RuleBroken

INVALID_ACTIVITY = "活动信息无效 (invalid activity)"
NOT_OPEN = "暂不能打卡或评价 (not open)"


@dataclass(frozen=True)
class Invalid:
    """How a broken rule is answered on a route: the title, and the API's name of a domain field."""

    title: str
    status: int = 422
    renamed: Mapping[str, str] = field(default_factory=dict)
    errors: bool = True  # list the field in ``errors``


# Keyed by the router module under api/routes (or "module.route" for one route of it).
INVALID: Mapping[str, Invalid] = {
    "activities": Invalid(INVALID_ACTIVITY),
    "drafts": Invalid(INVALID_ACTIVITY),
    "units": Invalid(INVALID_ACTIVITY),
    "sheets": Invalid(INVALID_ACTIVITY),
    "sheets.export_activities": Invalid("活动年度不存在 (not found)", status=404, errors=False),
    "accounts": Invalid("账号信息无效 (invalid staff account)", renamed={"region_code": "jurisdiction"}),
    "passwords": Invalid("密码未修改 (password not changed)"),
    "science_routes": Invalid("路线信息无效 (invalid route)"),
    "science_routes.route_check_in": Invalid(NOT_OPEN),
    "erasures": Invalid("电话号码无效 (invalid phone)"),
    "directory": Invalid(NOT_OPEN),
    "key_plans": Invalid("附件1 操作无效 (invalid key-activity plan request)"),
}
FORBIDDEN = "无权操作 (forbidden)"

# What was not found: the title and the detail (``{id}`` is the id asked for).
MISSING: Mapping[str, tuple[str, str]] = {
    "activity": ("活动不存在 (not found)", "No activity {id} of yours"),
    "draft": ("草稿不存在 (not found)", "No draft {id} of yours"),
    "route": ("路线不存在 (not found)", "No route {id} of yours"),
}


def rule_problem(exc: RuleBroken, invalid: Invalid) -> Problem:
    """The problem answered for a broken rule on a route answering ``invalid``."""
    message = str(exc)
    extra: dict[str, Any] = {}
    if invalid.errors:
        extra["errors"] = [{"field": invalid.renamed.get(exc.field, exc.field), "message": message}]
    if isinstance(exc, Refused):
        return Problem(403, FORBIDDEN, message, **extra)
    return Problem(invalid.status, invalid.title, message, **extra)


def not_found_problem(exc: NotFound) -> Problem:
    title, detail = MISSING[exc.what]
    return Problem(404, title, detail.format(id=exc.id))


def _answering(request: Request) -> Invalid:
    endpoint = request.scope.get("endpoint")
    module = getattr(endpoint, "__module__", "").rsplit(".", 1)[-1]
    name = getattr(endpoint, "__name__", "")
    return INVALID.get(f"{module}.{name}") or INVALID.get(module) or Invalid(INVALID_ACTIVITY)


def install_error_handlers(app: FastAPI) -> None:
    """Answer :class:`RuleBroken` (and :class:`Refused`) and :class:`NotFound` as problem+json."""

    async def on_rule_broken(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleBroken)
        return problem_response(rule_problem(exc, _answering(request)))

    async def on_not_found(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, NotFound)
        return problem_response(not_found_problem(exc))

    app.add_exception_handler(RuleBroken, on_rule_broken)
    app.add_exception_handler(NotFound, on_not_found)
