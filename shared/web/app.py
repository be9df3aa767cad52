"""The FastAPI application every service builds on: problem+json, context middleware, health routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

from .health import Check, health_router
from .middleware import RequestContextMiddleware
from .problems import install_problem_handlers


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | Callable[[FastAPI], AsyncIterator[None]],
    routers: Sequence[APIRouter],
    checks: Callable[[], Mapping[str, Check]],
    version: str = "1.0.0",
) -> FastAPI:
    """A service's FastAPI app: its routers under ``/api/v1``, operations routes, errors as problems."""
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)  # type: ignore[arg-type]
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=service)
    app.include_router(health_router(checks))
    for router in routers:
        app.include_router(router, prefix="/api/v1")
    return app
