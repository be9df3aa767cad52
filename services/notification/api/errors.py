"""Notification's refusals (``domain/errors.py``) as problem+json, mapped here once for every route."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.web import Problem
from shared.web.problems import problem_response

from ..domain.errors import NotFound, NotificationError, RuleBroken, Unsigned

NOT_FOUND = {
    "message": "消息不存在 (no such message)",
    "template": "没有这种模板 (no such template)",
    "sms provider": "未配置短信服务商 (no SMS provider)",
}
UNSIGNED = {"receipt": "回执签名无效 (invalid receipt)", "inbound": "回复签名无效 (invalid inbound message)"}
BROKEN = {"template": "模板无效 (invalid template)"}


def problem(exc: NotificationError) -> Problem:
    """The problem answered for a refusal."""
    if isinstance(exc, NotFound):
        return Problem(404, NOT_FOUND[exc.thing], exc.detail)
    if isinstance(exc, Unsigned):
        return Problem(401, UNSIGNED[exc.callback], exc.detail)
    if isinstance(exc, RuleBroken):
        return Problem(422, BROKEN[exc.rule], exc.detail, errors=[{"field": exc.field, "message": exc.message}])
    raise TypeError(f"no problem for {type(exc).__name__}")


def install(app: FastAPI) -> None:
    async def on_refusal(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, NotificationError)
        return problem_response(problem(exc))

    app.add_exception_handler(NotificationError, on_refusal)
