"""Review's refusals as problem+json: each rule's own status, title and a detail naming the rule."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.web import Problem
from shared.web.problems import problem_response

from ..domain.errors import Refused


def install(app: FastAPI) -> None:
    async def on_refused(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        slug = re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__).lower()
        extra: dict[str, Any] = {"errors": [{"field": exc.field, "message": exc.detail}]} if exc.field else {}
        return problem_response(Problem(exc.status, exc.title, exc.detail, type_=f"/problems/{slug}", **extra))

    app.add_exception_handler(Refused, on_refused)
