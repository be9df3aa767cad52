"""Analytics' refusals (:mod:`..domain.errors`) as problem+json: the one place that gives each its status,
title and headers. ``create_app`` installs it; no route maps an error itself."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.web import Problem
from shared.web.auth import unauthenticated
from shared.web.problems import problem_response

from ..domain.errors import (
    AnalyticsError,
    Busy,
    ClientStreamsFull,
    Forbidden,
    RuleBroken,
    StreamsFull,
    Unauthenticated,
    UnknownCampaign,
    UnknownTable,
)

FORBIDDEN = "无权操作 (forbidden)"
INVALID = "请求内容无效 (invalid request)"
NOT_FOUND: dict[type[AnalyticsError], str] = {
    UnknownTable: "没有这张表 (unknown table)",
    UnknownCampaign: "没有这个活动年度 (no such campaign)",
}
BUSY: dict[type[AnalyticsError], tuple[int, str]] = {
    StreamsFull: (503, "实时连接已满 (too many dashboard streams)"),
    ClientStreamsFull: (429, "实时连接过多 (too many streams from this address)"),
}


def problem_of(error: AnalyticsError) -> Problem:
    """The problem ``error`` is answered with."""
    if isinstance(error, Unauthenticated):
        return unauthenticated(error.message)
    if isinstance(error, Forbidden):
        return Problem(403, FORBIDDEN, error.message)
    if isinstance(error, RuleBroken):
        errors = [{"field": error.field, "message": error.message, "type": "value_error"}]
        return Problem(422, INVALID, f"Invalid fields: {error.field}", errors=errors)
    if isinstance(error, Busy):
        status, title = BUSY.get(type(error), (503, "暂时无法处理 (busy)"))
        return Problem(status, title, error.message, headers={"Retry-After": str(error.retry_after_s)})
    found = NOT_FOUND.get(type(error))
    if found is not None:
        return Problem(404, found, error.message)
    return Problem(400, "请求无法处理 (refused)", error.message)


def install(app: FastAPI) -> None:
    """Answer every :class:`AnalyticsError` a route or its dependencies raise as problem+json."""

    async def on_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AnalyticsError)
        problem = problem_of(exc)
        return problem_response(problem, problem.headers)

    app.add_exception_handler(AnalyticsError, on_error)
