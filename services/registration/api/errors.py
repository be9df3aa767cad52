"""The one mapping of registration's domain errors to problem+json, installed by ``create_app``.

A command raises :mod:`..domain.errors`; no route catches them to translate. What a broken rule is
called depends on what was asked (an invalid activity, an invalid route, a password not changed), so
the title is looked up by the router module that answered (or that module and its route, for the one
route whose broken rule reads as "not found").

The other refusals a route may meet (an unknown account, a throttled client, a refused upload, a
stale version, ...) are answered here too, from :data:`ANSWERS`: per error type, the answer of each
router module or ``module.route`` that meets it. Where no answer is listed for the route that raised
it, the error goes on as if this module did not exist (a :class:`ConcurrencyError` to the shared 409,
anything else to the shared 500).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from shared.store import ConcurrencyError, IntegrityViolation
from shared.web.problems import Problem, problem_response

from ..directory.participation import NotListed, Throttled
from ..directory.routes import UnknownStop
from ..domain.errors import NotFound, Refused, RuleBroken
from ..domain.staff import OutsideAdministration
from ..media.inspection import MediaRefused
from ..service.access import UnknownAccount
from ..service.accounts import AccountDisabled, InvalidCredentials
from ..service.throttles import TooManyAttempts
from ..sheets.disclosure import NotAllowed
from ..sheets.gate import ImportInProgress
from ..sheets.reading import SheetRefused

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
_T = TypeVar("_T")

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


def no_account(what: str) -> Problem:
    return Problem(404, "账号不存在 (no such account)", f"No account {what}")


def not_listed_activity(activity_id: str) -> Problem:
    return Problem(404, "活动不存在或未公开 (not found)", f"No public activity {activity_id}")


def not_listed_route(route_id: str) -> Problem:
    return Problem(404, "路线不存在或未公开 (not found)", f"No public route {route_id}")


def too_many(exc: TooManyAttempts, what: str) -> Problem:
    return Problem(
        429,
        "尝试次数过多，请稍后再试 (too many attempts)",
        f"Too many {what} from here or for this login; try again in {exc.retry_after} s",
        headers={"Retry-After": str(exc.retry_after)},
        retry_after=exc.retry_after,
    )


def throttled(exc: Throttled) -> Problem:
    return Problem(
        429,
        "请求过于频繁 (too many requests)",
        f"Too many check-ins or ratings from this address; try again in {exc.retry_after} s",
        headers={"Retry-After": str(exc.retry_after)},
        retry_after=exc.retry_after,
    )


def media_refused(exc: MediaRefused) -> Problem:
    titles = {413: "文件过大 (file too large)", 415: "文件类型不支持 (unsupported file)"}
    title = titles.get(exc.status, "文件无法使用 (file refused)")
    message = str(exc)
    return Problem(exc.status, title, message, errors=[{"field": "file", "message": message}])


def sheet_refused(exc: SheetRefused) -> Problem:
    title = "表格过大 (sheet too large)" if exc.status == 413 else "表格无法导入 (sheet refused)"
    problem = Problem(exc.status, title, str(exc))
    if exc.limit is not None:
        problem.extra.update(limit=exc.limit, limit_value=exc.value)
    return problem


def unknown_stop(exc: UnknownStop) -> Problem:
    message = f"路线没有站点 {exc} (the route has no such stop)"
    return Problem(422, "站点无效 (invalid stop)", message, errors=[{"field": "stop", "message": message}])


def campaign_exists(exc: ConcurrencyError) -> Problem:
    campaign_id = exc.aggregate_id
    return Problem(
        409,
        "活动年度已存在 (campaign exists)",
        f"A campaign {campaign_id} exists; change it with PUT /api/v1/campaigns/{campaign_id} and If-Match",
    )


def login_exists() -> Problem:
    message = "该登录名已被使用，请换一个 (the login exists)"
    return Problem(409, "登录名已存在 (login exists)", message, errors=[{"field": "login", "message": message}])


def import_in_progress() -> Problem:
    return Problem(
        409,
        "已有导入正在进行 (import in progress)",
        "本单位的上一次导入尚未完成，请等它结束后再上传 (one import at a time per unit)",
        headers={"Retry-After": "5"},
        limit="one_import_per_unit",
    )


# The answer to an error: from the request (its path parameters) and the error itself.
Answer = Callable[[Request, Any], Problem]


def _account(request: Request, _exc: UnknownAccount) -> Problem:
    return no_account(request.path_params["account_id"])


def _activity(request: Request, _exc: NotListed) -> Problem:
    return not_listed_activity(request.path_params["activity_id"])


def _route(request: Request, _exc: NotListed) -> Problem:
    return not_listed_route(request.path_params["route_id"])


# Per error type, keyed by the router module under api/routes (or "module.route" for one route of it).
ANSWERS: Mapping[type[Exception], Mapping[str, Answer]] = {
    UnknownAccount: {
        "accounts.disable_account": _account,
        "accounts.enable_account": _account,
        "accounts.revoke_tokens": _account,
    },
    OutsideAdministration: {
        "accounts": lambda _r, exc: Problem(403, "超出管理权限 (outside your administration)", str(exc)),
    },
    IntegrityViolation: {"accounts.create_staff": lambda _r, _exc: login_exists()},
    ConcurrencyError: {
        "campaigns.create_campaign": lambda _r, exc: campaign_exists(exc),
        "science_routes.change_route": lambda _r, _exc: Problem(
            409, "路线已被修改 (changed meanwhile)", "The route changed since it was read; read it again"
        ),
    },
    TooManyAttempts: {
        "units.sign_up_unit": lambda _r, exc: too_many(exc, "sign-ups"),
        "units.log_in": lambda _r, exc: too_many(exc, "failed logins"),
        "passwords.request_reset_code": lambda _r, exc: too_many(exc, "password-reset codes"),
    },
    InvalidCredentials: {
        "units.log_in": lambda _r, _exc: Problem(
            401, "账号或密码错误 (invalid credentials)", "The login or the password is wrong"
        ),
    },
    AccountDisabled: {
        "units.log_in": lambda _r, _exc: Problem(
            403, "账号已停用 (account disabled)", "This account is disabled; ask the platform's admins"
        ),
    },
    Throttled: {
        "directory": lambda _r, exc: throttled(exc),
        "science_routes.route_check_in": lambda _r, exc: throttled(exc),
    },
    NotListed: {
        "directory": _activity,
        "science_routes.public_route": _route,
        "science_routes.route_progress": _route,
        "science_routes.route_check_in": _route,
    },
    UnknownStop: {"science_routes.route_check_in": lambda _r, exc: unknown_stop(exc)},
    MediaRefused: {"media.upload_media": lambda _r, exc: media_refused(exc)},
    SheetRefused: {"sheets.import_activities": lambda _r, exc: sheet_refused(exc)},
    ImportInProgress: {"sheets.import_activities": lambda _r, _exc: import_in_progress()},
    NotAllowed: {"sheets.export_activities": lambda _r, exc: Problem(403, FORBIDDEN, str(exc))},
}


def _endpoint(request: Request) -> tuple[str, str]:
    """The router module (under api/routes) and the name of the route that answered ``request``."""
    endpoint = request.scope.get("endpoint")
    module = getattr(endpoint, "__module__", "").rsplit(".", 1)[-1]
    return module, getattr(endpoint, "__name__", "")


def _keyed(table: Mapping[str, _T], request: Request) -> _T | None:
    module, name = _endpoint(request)
    return table.get(f"{module}.{name}") or table.get(module)


def _answering(request: Request) -> Invalid:
    return _keyed(INVALID, request) or Invalid(INVALID_ACTIVITY)


# An exception handler as Starlette keeps them (the shared one a route's error falls back to).
Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def _answer_handler(answers: Mapping[str, Answer], otherwise: Handler | None) -> Handler:
    async def on_error(request: Request, exc: Exception) -> Response:
        answer = _keyed(answers, request)
        if answer is not None:
            problem = answer(request, exc)
            return problem_response(problem, problem.headers)
        if otherwise is None:
            raise exc  # as if unmapped: the shared 500
        answered = otherwise(request, exc)
        return await answered if isawaitable(answered) else answered

    return on_error


def install_error_handlers(app: FastAPI) -> None:
    """Answer :class:`RuleBroken` (and :class:`Refused`), :class:`NotFound` and the errors of
    :data:`ANSWERS` as problem+json (after the shared handlers, whose answer stays the one of a route
    :data:`ANSWERS` does not list)."""

    async def on_rule_broken(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleBroken)
        return problem_response(rule_problem(exc, _answering(request)))

    async def on_not_found(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, NotFound)
        return problem_response(not_found_problem(exc))

    app.add_exception_handler(RuleBroken, on_rule_broken)
    app.add_exception_handler(NotFound, on_not_found)
    for kind, answers in ANSWERS.items():
        app.add_exception_handler(kind, _answer_handler(answers, app.exception_handlers.get(kind)))
