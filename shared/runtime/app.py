"""The FastAPI application every service builds on: lifespan, problem+json, middleware, health routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from starlette.types import ASGIApp

from ..observability.logging import configure_logging
from ..web.auth import provide_verifier
from ..web.headers import DOCS_PATHS, SecurityHeadersMiddleware
from ..web.health import health_router
from ..web.idempotency import IdempotencyMiddleware, install_idempotency
from ..web.limits import BodyLimitMiddleware
from ..web.middleware import RequestContextMiddleware
from ..web.problems import install_problem_handlers
from .backbone import Backbone

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Worker(Protocol):
    """A background task of a service beside its consumers (e.g. notification's dispatcher)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def create_service_app(
    *,
    backbone: Backbone,
    container: Any,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    version: str = "1.0.0",
    workers: Sequence[Worker] = (),
    background: Sequence[Worker] = (),
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """A service's FastAPI app: routers under ``/api/v1``, operations routes, errors as problems.

    Starting the app starts the backbone (migrations, writer, relay, consumers), then ``workers`` (what
    every role needs, e.g. the key vault), then ``background`` (the dispatcher, schedulers: started only
    where the role runs background work), and puts ``container`` on ``app.state.container`` for the
    routes; stopping it stops them in reverse order. In the ``background`` role the app is only
    :func:`background_app`: no routers, no docs. Bearer tokens
    are verified by ``container.verifier`` (read on every request, see :func:`~shared.web.auth.provide_verifier`),
    so the web layer never reaches up into this one. Every answer
    carries the security headers; request bodies over ``max_body_bytes`` are refused unread (413), except
    on the paths ``body_limits`` gives a limit of their own; the API docs are served when ``api_docs`` says.
    """
    settings = backbone.settings
    configure_logging(
        settings.service,
        settings.log_level,
        settings.log_json,
        repeat_limit=settings.log_repeat_limit,
        repeat_interval_s=settings.log_repeat_interval_s,
    )

    started = [*workers, *(background if backbone.runs_background else ())]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await backbone.start()
        for worker in started:
            await worker.start()
        app.state.container = container
        if getattr(app.state, "owns_process", False):
            # everything built so far lives as long as the process: out of the collector's sight, a
            # full collection walks only what requests create (140-210 ms pauses otherwise)
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            for worker in reversed(started):
                await worker.stop()
            await backbone.stop()

    if not backbone.serves_api:
        return background_app(backbone, title, lifespan)
    docs = bool(settings.api_docs)
    app = _ServiceApp(
        DOCS_PATHS if docs else (),
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_problem_handlers(app)
    provide_verifier(app, lambda: container.verifier)
    install_idempotency(app)
    app.state.idempotency = backbone.idempotency
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, per_path=body_limits)
    app.add_middleware(RequestContextMiddleware, service=settings.service)
    app.include_router(health_router(backbone.checks))
    for router in routers:
        app.include_router(router, prefix="/api/v1")
    return app


def background_app(backbone: Backbone, title: str, lifespan: Lifespan) -> FastAPI:
    """The app of the ``background`` role: ``/healthz``, ``/readyz`` (the database and the bus) and
    ``/metrics`` (its relay's and consumers' figures), on ``background_port``; nothing else."""
    app = _ServiceApp(
        (), title=f"{title} (background)", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=backbone.settings.service)
    app.include_router(health_router(backbone.checks))
    return app


class _ServiceApp(FastAPI):
    """FastAPI with the security headers outside everything, the 500s of Starlette's outermost error
    handler included (middleware added with ``add_middleware`` sits inside that handler)."""

    def __init__(self, docs_paths: Iterable[str], **options: Any) -> None:
        self._docs_paths = tuple(docs_paths)
        super().__init__(**options)

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack(), docs_paths=self._docs_paths)


async def container_of(request: Request) -> Any:
    """The service's container, for dependencies in ``api/deps.py``.

    A coroutine on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop
    (and a wait for the GIL) on every request of every route that asks for the container.
    """
    return request.app.state.container
