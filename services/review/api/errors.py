"""Review's refusals as problem+json, in one place: each kind's status and title, a detail naming the rule.

``create_app`` installs :func:`install`; routes never catch a domain error to answer it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.web import Problem
from shared.web.problems import problem_response

from ..domain.errors import (
    BulkRefused,
    DeadlinePassed,
    InvalidCursor,
    NotEligible,
    OutsideJurisdiction,
    QuotaFull,
    Refused,
    Unknown,
    WrongState,
)

#: each kind of refusal's HTTP status and title (a kind not named here answers as its nearest ancestor)
ANSWERS: dict[type[Refused], tuple[int, str]] = {
    OutsideJurisdiction: (403, "Outside your jurisdiction"),
    Unknown: (404, "Not found"),
    QuotaFull: (409, "Quota full"),
    WrongState: (409, "Conflict"),
    NotEligible: (422, "Not eligible"),
    DeadlinePassed: (422, "Deadline passed"),
    Refused: (422, "Unprocessable"),
}
#: a bulk refusal answers as the gravest kind among its failures
GRAVEST_FIRST: tuple[type[Refused], ...] = (OutsideJurisdiction, Unknown, WrongState, Refused)


def answer_of(exc: Refused) -> tuple[int, str]:
    """The status and title that answer ``exc``."""
    return next(ANSWERS[kind] for kind in type(exc).__mro__ if kind in ANSWERS)


def problem_of(exc: Refused) -> Problem:
    """The problem that answers a refusal; its ``type`` names the kind (``/problems/quota-full``)."""
    if isinstance(exc, InvalidCursor):
        return Problem(
            422,
            "分页游标无效 (invalid cursor)",
            exc.detail,
            errors=[{"field": "cursor", "message": "not a cursor of this listing"}],
        )
    slug = re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__).lower()
    extra: dict[str, Any] = {}
    if isinstance(exc, BulkRefused):
        worst = next(k for k in GRAVEST_FIRST if any(isinstance(f, k) for f in exc.failures.values()))
        status, title = ANSWERS[worst]
        extra["errors"] = [
            {"field": "activity_ids", "activity_id": i, "status": answer_of(failure)[0], "message": failure.detail}
            for i, failure in exc.failures.items()
        ]
    else:
        status, title = answer_of(exc)
        if exc.field:
            extra["errors"] = [{"field": exc.field, "message": exc.detail}]
    return Problem(status, title, exc.detail, type_=f"/problems/{slug}", **extra)


def install(app: FastAPI) -> None:
    """Answer every :class:`Refused` the service layer raises as its problem+json."""

    async def on_refused(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        return problem_response(problem_of(exc))

    app.add_exception_handler(Refused, on_refused)
