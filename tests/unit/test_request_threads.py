"""No request of any service waits for a thread: every route's endpoint and every dependency it
solves is a coroutine (or an async generator). FastAPI runs a plain ``def`` in its thread pool, a
thread hop and a wait for the GIL on each request; on the busiest routes (check-ins, registrations)
that was a tenth of the CPU a request costs."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cli.openapi import SERVICES
from services.analytics.bootstrap import build as build_analytics
from services.analytics.bootstrap import create_app as analytics
from services.analytics.settings import AnalyticsSettings
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification
from services.notification.settings import NotificationSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration
from services.registration.settings import RegistrationSettings
from services.review.bootstrap import build as build_review
from services.review.bootstrap import create_app as review
from services.review.settings import ReviewSettings
from shared.runtime import container_of


def apps(data_dir: Path) -> dict[str, FastAPI]:
    return {
        "registration": registration(build_registration(RegistrationSettings(data_dir=data_dir, environment="test"))),
        "review": review(build_review(ReviewSettings(data_dir=data_dir, environment="test"))),
        "notification": notification(build_notification(NotificationSettings(data_dir=data_dir, environment="test"))),
        "analytics": analytics(build_analytics(AnalyticsSettings(data_dir=data_dir, environment="test"))),
    }


def _asynchronous(call: Any) -> bool:
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else getattr(call, "__call__", call)  # noqa: B004
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of ``app`` as a request meets it, those of included routers too (with the
    dependencies their inclusion adds)."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):  # an included router (FastAPI ≥ 0.16x)
            yield from (c for c in route.effective_route_contexts() if c.dependant is not None)


def in_threads(app: FastAPI) -> Iterator[str]:
    """What FastAPI would run in its thread pool for a request of ``app``: endpoints and dependencies."""
    for route in routes(app):
        if not _asynchronous(route.endpoint):
            yield f"{route.path}: endpoint {route.endpoint.__qualname__}"
        stack: list[Dependant] = [route.dependant]
        while stack:
            for dependency in stack.pop().dependencies:
                if dependency.call is not None and not _asynchronous(dependency.call):
                    yield f"{route.path}: dependency {getattr(dependency.call, '__qualname__', dependency.call)}"
                stack.append(dependency)


def test_no_route_of_any_service_runs_in_the_thread_pool(tmp_path: Path) -> None:
    built = apps(tmp_path)
    assert set(built) == set(SERVICES)
    assert all(sum(1 for _ in routes(app)) > 5 for app in built.values())
    assert {name: sorted(set(in_threads(app))) for name, app in built.items()} == {name: [] for name in built}


def test_a_plain_def_dependency_is_found(tmp_path: Path) -> None:
    """The check above finds what it looks for: a route asking for a plain ``def`` is reported."""
    app = FastAPI()

    def plain() -> int:
        return 1

    @app.get("/x")
    async def handler(value: int = Depends(plain)) -> int:
        return value

    assert list(in_threads(app)) == ["/x: dependency test_a_plain_def_dependency_is_found.<locals>.plain"]
    assert _asynchronous(container_of)
