"""Every instant any service answers carries its offset, whatever the database gave back.

Walks every route's answer model of the four services (nested models, lists and optionals included),
finds every place a datetime is answered, and gives it a naive value, as SQLite returns a stored UTC
datetime: what the answer would write must be that instant with its zone (shared/web/dates.py
``Zoned``). A new answer with a bare ``datetime`` fails here before any reader sees ``2026-09-20T08:00:00``.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.notification.bootstrap import build as build_notification
from services.notification.bootstrap import create_app as notification_app
from services.notification.settings import NotificationSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings
from services.review.bootstrap import build as review_build
from services.review.bootstrap import create_app as review_app
from services.review.settings import ReviewSettings
from shared.auth import TokenVerifier, generate_private_key_pem, public_key_pem
from shared.web.dates import Zoned

NAIVE = datetime(2026, 9, 20, 8, 0)  # as SQLite gives back 2026-09-20 08:00 UTC


def apps(tmp_path: Path) -> dict[str, FastAPI]:
    verifier = TokenVerifier(public_key_pem(generate_private_key_pem()))
    options: dict[str, Any] = {"data_dir": tmp_path, "environment": "test"}
    return {
        "registration": registration_app(build_registration(RegistrationSettings(**options))),
        "review": review_app(review_build(ReviewSettings(**options), verifier=verifier)),
        "notification": notification_app(build_notification(NotificationSettings(**options), verifier=verifier)),
        "analytics": analytics_app(analytics_build(AnalyticsSettings(**options), verifier=verifier)),
    }


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, those of included routers too (kept apart as ``original_router`` since FastAPI 0.16x)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def answer_models(app: FastAPI) -> Iterator[tuple[str, type[BaseModel]]]:
    for route in api_routes(app.routes):
        if route.response_model is not None:
            for model in models_in(route.response_model):
                yield route.path, model


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from models_in(argument)


def sample(annotation: Any) -> Any:
    """A value of ``annotation`` holding :data:`NAIVE` where it takes a datetime; None where it takes none."""
    if annotation is datetime:
        return NAIVE
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return sample(arguments[0])
    if origin in (Union, types.UnionType):
        return next((s for s in map(sample, arguments) if s is not None), None)
    if origin in (list, tuple, set, frozenset):
        inner = sample(arguments[0]) if arguments else None
        return None if inner is None else [inner]
    if origin is dict:
        inner = sample(arguments[1])
        return None if inner is None else {"key": inner}
    return None


def instants_in(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return [d for v in value for d in instants_in(v)]
    return []


def answered_datetimes(models: list[tuple[str, type[BaseModel]]]) -> Iterator[tuple[str, FieldInfo, Any]]:
    """Each model field (nested models' too) that answers a datetime: where, the field, a naive sample."""
    seen: set[tuple[type[BaseModel], str]] = set()
    for where, top in models:
        pending = [top]
        while pending:
            model = pending.pop()
            for name, field in model.model_fields.items():
                pending += [m for m in models_in(field.annotation) if m is not model]
                value = sample(field.annotation)
                if value is not None and (model, name) not in seen:
                    seen.add((model, name))
                    yield f"{where}: {model.__name__}.{name}", field, value


def bare(found: list[tuple[str, FieldInfo, Any]]) -> list[str]:
    """Where a naive datetime would be answered as it is, without its zone."""
    places = []
    for where, field, value in found:
        annotation = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        if any(moment != NAIVE.replace(tzinfo=UTC) for moment in instants_in(adapter.validate_python(value))):
            places.append(where)
    return places


def test_every_answered_instant_gets_its_zone(tmp_path: Path) -> None:
    models = [(f"{name} {path}", model) for name, app in apps(tmp_path).items() for path, model in answer_models(app)]
    found = list(answered_datetimes(models))
    # the walk sees the answers: recommendations, messages, activities, the directory, the dashboard
    assert len(found) >= 8, found
    assert bare(found) == [], "answered without their zone:\n" + "\n".join(bare(found))


class _Bare(BaseModel):
    at: datetime
    many: list[datetime]
    maybe: datetime | None
    by_key: dict[str, datetime]


class _Answer(BaseModel):
    nested: list[_Bare]
    zoned: Zoned
    zoned_maybe: Zoned | None
    text: str


def test_the_walk_finds_every_bare_datetime_however_nested() -> None:
    found = list(answered_datetimes([("test", _Answer)]))
    assert sorted(where for where, _f, _v in found) == sorted(
        f"test: {m}"
        for m in ("_Answer.zoned", "_Answer.zoned_maybe", "_Bare.at", "_Bare.many", "_Bare.maybe", "_Bare.by_key")
    )
    assert sorted(bare(found)) == sorted(f"test: _Bare.{name}" for name in ("at", "many", "maybe", "by_key"))
