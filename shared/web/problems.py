"""RFC 9457 problem details: every error a Kepuri API answers is ``application/problem+json``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..store.errors import ConcurrencyError, StoreUnavailable

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error for the API's caller: an HTTP status, a short title and a detail saying what to do.

    Raise it from a route or the service layer; ``extra`` members are added to the JSON body
    (for example ``errors`` naming the fields that failed).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or title)
        self.headers = headers
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.extra = extra


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": problem.type, "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    body.update(problem.extra)
    return JSONResponse(body, status_code=problem.status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return Problem(422, "请求内容无效 (invalid request)", f"Invalid fields: {fields}", errors=errors)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer validation errors, HTTP errors, conflicts, outages and bugs as problem+json."""

    async def on_problem(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, exc.headers)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc))

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return problem_response(Problem(exc.status_code, str(exc.detail)), headers=exc.headers)

    async def on_conflict(_request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            Problem(409, "版本冲突 (conflict)", f"{exc}; reload it and try again", type_="/problems/conflict")
        )

    async def on_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return problem_response(
            Problem(503, "服务暂不可用 (service unavailable)", "The database is unavailable; retry shortly"),
            headers={"Retry-After": "2"},
        )

    async def on_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem_response(Problem(500, "内部错误 (internal error)", "An unexpected error occurred"))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(ConcurrencyError, on_conflict)
    app.add_exception_handler(StoreUnavailable, on_unavailable)
    app.add_exception_handler(Exception, on_error)
