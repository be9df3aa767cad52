"""The shared HTTP layer every service is built on: request bodies over the limit are refused 413
unread (declared or streamed), every answer carries the security headers, and the API docs are a
setting that production turns off. Through a real service app (analytics) in this process; the
same against the four services as OS processes is tests/e2e/test_http_hardening.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from services.analytics.bootstrap import build as analytics_build
from services.analytics.bootstrap import create_app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings
from shared.web.headers import API_POLICY, DOCS_POLICY, SecurityHeadersMiddleware
from shared.web.limits import BodyLimitMiddleware

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def analytics(tmp_path: Path, **changes: object) -> FastAPI:
    options: dict[str, object] = {
        "data_dir": tmp_path,
        "environment": "test",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
        "bus_url": f"embedded:{tmp_path / 'bus.db'}",
        **changes,
    }
    return analytics_app(analytics_build(AnalyticsSettings(**options)))  # type: ignore[arg-type]


def client(app: FastAPI) -> httpx.AsyncClient:
    # a 500 is an answer here too: it must carry the headers as well
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://kepuri")


def echo_app(pulled: list[int]) -> FastAPI:
    """An app whose route reads the whole body, noting how many bytes it got from the server."""
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            pulled.append(size)
        return {"size": size}

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(BodyLimitMiddleware, max_bytes=1000, per_path={"/upload": 5000})
    return app


async def chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"x" * size


def assert_413(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 413 and problem["limit"] == "max_body_bytes" and problem["limit_value"] == limit
    assert "请求内容超过上限" in problem["detail"] and str(limit) in problem["detail"]


async def test_a_declared_body_over_the_limit_is_refused_before_the_route_reads_it() -> None:
    pulled: list[int] = []
    async with client(echo_app(pulled)) as http:
        assert_413(await http.post("/echo", content=b"x" * 1001), 1000)
        assert pulled == [], "the route never ran"
        assert (await http.post("/echo", content=b"x" * 1000)).json() == {"size": 1000}
        assert (await http.post("/upload", content=b"x" * 5000)).json() == {"size": 5000}
        assert_413(await http.post("/upload", content=b"x" * 5001), 5000)


async def test_a_streamed_body_is_counted_and_stops_at_the_limit() -> None:
    pulled: list[int] = []
    async with client(echo_app(pulled)) as http:
        assert_413(await http.post("/echo", content=chunks(100, 300)), 1000)
        assert max(pulled, default=0) <= 1000, "the route saw nothing past the limit"
        pulled.clear()
        assert (await http.post("/echo", content=chunks(3, 300))).json() == {"size": 900}


async def test_a_service_refuses_a_large_json_body_to_its_login_as_413(tmp_path: Path) -> None:
    settings = RegistrationSettings(
        data_dir=tmp_path,
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}",
        bus_url=f"embedded:{tmp_path / 'bus.db'}",
    )
    app = registration_app(build_registration(settings))
    json_type = {"Content-Type": "application/json"}
    async with app.router.lifespan_context(app), client(app) as http:
        body = b'{"login": "' + b"a" * (2 << 20) + b'", "password": "x"}'
        assert_413(await http.post("/api/v1/auth/token", content=body, headers=json_type), 1 << 20)
        assert_413(await http.post("/api/v1/auth/token", content=chunks(40, 64 << 10), headers=json_type), 1 << 20)
        small = await http.post("/api/v1/auth/token", json={"login": "nobody", "password": "x" * 20})
        assert small.status_code == 401, small.text  # under the limit, the route answers as before


# a health check, a 404 and, with no lifespan run (no container), a 500 from the outermost error handler
@pytest.mark.parametrize(
    ("path", "status"), [("/healthz", 200), ("/api/v1/nope", 404), ("/api/v1/stats/overview", 500)]
)
async def test_every_answer_carries_the_security_headers(tmp_path: Path, path: str, status: int) -> None:
    async with client(analytics(tmp_path)) as http:
        answer = await http.get(path)
    assert answer.status_code == status
    assert {h: answer.headers.get(h) for h in SECURITY_HEADERS} == {
        "content-security-policy": API_POLICY,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
    }


async def test_a_page_keeps_its_own_policy_and_the_docs_get_theirs(tmp_path: Path) -> None:
    app = FastAPI(docs_url=None)

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<p>hi</p>", headers={"Content-Security-Policy": "default-src 'self'"})

    @app.get("/docs")
    async def docs() -> HTMLResponse:
        return HTMLResponse("<p>docs</p>")

    app.add_middleware(SecurityHeadersMiddleware, docs_paths=["/docs"])
    async with client(app) as http:
        page_answer = await http.get("/page")
        assert page_answer.headers.get_list("content-security-policy") == ["default-src 'self'"]
        assert page_answer.headers["x-frame-options"] == "DENY"
        assert (await http.get("/docs")).headers["content-security-policy"] == DOCS_POLICY
    async with client(analytics(tmp_path)) as http:
        dashboard = await http.get("/dashboard")
        assert "script-src 'self'" in dashboard.headers["content-security-policy"]
        assert "'unsafe-inline'" not in dashboard.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("changes", "served"),
    [
        ({"environment": "development"}, True),
        ({"environment": "test"}, True),
        ({"environment": "production"}, False),
        ({"environment": "production", "api_docs": True}, True),
        ({"environment": "development", "api_docs": False}, False),
    ],
)
async def test_the_api_docs_are_a_setting_off_by_default_in_production(
    tmp_path: Path, changes: dict[str, object], served: bool
) -> None:
    async with client(analytics(tmp_path, **changes)) as http:
        codes = {path: (await http.get(path)).status_code for path in ("/docs", "/redoc", "/openapi.json")}
        docs = await http.get("/docs")
    assert codes == dict.fromkeys(codes, 200 if served else 404)
    if served:
        assert docs.headers["content-security-policy"] == DOCS_POLICY
