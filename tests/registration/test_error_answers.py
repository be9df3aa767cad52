"""The answers of the refusals that routes once translated in their own ``except`` blocks, pinned byte
for byte (status, problem+json, title, detail, extra members, Retry-After): moving the translation to
``api/errors.py`` must not change a word of them."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from services.registration.api import routes
from services.registration.api.errors import ANSWERS, INVALID
from services.registration.sheets.gate import ImportInProgress
from tests.factories import PASSWORD

from .conftest import Service
from .test_campaigns import body as campaign_body
from .test_science_routes import route_body, two_activities

CHEAP = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192, "password_hash_parallelism": 1}
VISITOR = "visitor-0123456789abcdef"
TOO_MANY = "尝试次数过多，请稍后再试 (too many attempts)"


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {
        **CHEAP,
        "sign_ups_per_address": 2,
        "password_resets_per_phone": 1,
        "login_failures_allowed": 1,
        "directory_rate_burst": 1,
    }


def answered(response: httpx.Response, status: int, retry_after: str | None = None) -> dict[str, Any]:
    """The whole problem body, after checking the status, problem+json and Retry-After."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("retry-after") == retry_after
    body: dict[str, Any] = json.loads(response.content)
    return body


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}


def unit(phone: str) -> dict[str, str]:
    return {
        "name": "渭南市临渭区实验中学",
        "unit_type": "school",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": phone,
        "password": PASSWORD,
    }


async def test_account_refusals(service: Service) -> None:
    admin = await service.admin()
    staff = {"login": "reviewer-x", "password": PASSWORD, "role": "reviewer", "level": "county"}
    staff["jurisdiction"] = "610502"
    assert (await service.client.post("/api/v1/accounts", json=staff, headers=admin)).status_code == 201
    again = await service.client.post("/api/v1/accounts", json=staff, headers=admin)
    message = "该登录名已被使用，请换一个 (the login exists)"
    errors = [{"field": "login", "message": message}]
    assert answered(again, 409) == problem(409, "登录名已存在 (login exists)", message, errors=errors)
    for path in ("disable", "enable", "revocation"):
        unknown = await service.client.post(f"/api/v1/accounts/abc123/{path}", headers=admin)
        assert answered(unknown, 404) == problem(404, "账号不存在 (no such account)", "No account abc123"), path

    province = await service.staff("admin", "province", "61")
    sheet = await service.client.get("/api/v1/activities/export.xlsx?campaign_id=2026", headers=province)
    detail = "地方管理员只管理下级审核账号，不导出活动表格 (a level admin manages accounts only)"
    assert answered(sheet, 403) == problem(403, "无权操作 (forbidden)", detail)
    elsewhere = staff | {"login": "reviewer-y", "jurisdiction": "620102"}
    outside = await service.client.post("/api/v1/accounts", json=elsewhere, headers=province)
    detail = "管辖 620102 不在本管理员（省级 61）的管辖范围内 (jurisdiction)"
    assert answered(outside, 403) == problem(403, "超出管理权限 (outside your administration)", detail)
    assert (await service.client.post("/api/v1/accounts", json=elsewhere, headers=admin)).status_code == 201
    theirs = (await service.client.get("/api/v1/accounts?login=reviewer-y", headers=admin)).json()["account_id"]
    for path in ("disable", "enable"):
        unknown = await service.client.post(f"/api/v1/accounts/abc123/{path}", headers=province)
        assert answered(unknown, 404) == problem(404, "账号不存在 (no such account)", "No account abc123"), path
        refused = await service.client.post(f"/api/v1/accounts/{theirs}/{path}", headers=province)
        assert answered(refused, 403) == problem(403, "超出管理权限 (outside your administration)", detail), path


async def test_logins_codes_and_sign_ups_refused(service: Service) -> None:
    await service.staff("reviewer", "county", "610502")
    login = {"login": "nobody-here", "password": "wrong-password-1"}
    wrong = await service.client.post("/api/v1/auth/token", json=login)
    invalid = problem(401, "账号或密码错误 (invalid credentials)", "The login or the password is wrong")
    assert answered(wrong, 401) == invalid
    throttled = await service.client.post("/api/v1/auth/token", json=login)
    detail = "Too many failed logins from here or for this login; try again in 900 s"
    assert answered(throttled, 429, "900") == problem(429, TOO_MANY, detail, retry_after=900)

    for expected in (202, 429):
        codes = await service.client.post("/api/v1/auth/password-reset/code", json={"phone": "13700000000"})
        assert codes.status_code == expected
    detail = "Too many password-reset codes from here or for this login; try again in 3600 s"
    assert answered(codes, 429, "3600") == problem(429, TOO_MANY, detail, retry_after=3600)

    for phone in ("13700000001", "13700000002"):
        assert (await service.client.post("/api/v1/units", json=unit(phone))).status_code == 202
    over = await service.client.post("/api/v1/units", json=unit("13700000003"))
    body = answered(over, 429, over.headers.get("retry-after"))
    seconds = body["retry_after"]
    assert over.headers["retry-after"] == str(seconds)
    detail = f"Too many sign-ups from here or for this login; try again in {seconds} s"
    assert body == problem(429, TOO_MANY, detail, retry_after=seconds)


async def test_disabled_account_refused(service: Service) -> None:
    admin = await service.admin()
    await service.container.accounts.create_staff("reviewer-z", PASSWORD, "reviewer", "county", "610502")
    reviewer = (await service.client.get("/api/v1/accounts?login=reviewer-z", headers=admin)).json()["account_id"]
    assert (await service.client.post(f"/api/v1/accounts/{reviewer}/disable", headers=admin)).status_code == 204
    refused = await service.client.post("/api/v1/auth/token", json={"login": "reviewer-z", "password": PASSWORD})
    detail = "This account is disabled; ask the platform's admins"
    assert answered(refused, 403) == problem(403, "账号已停用 (account disabled)", detail)


async def test_campaign_and_route_conflicts_and_route_refusals(service: Service) -> None:
    admin = await service.admin()
    assert (await service.client.post("/api/v1/campaigns", json=campaign_body(), headers=admin)).status_code == 201
    exists = await service.client.post("/api/v1/campaigns", json=campaign_body(), headers=admin)
    detail = "A campaign 2024-national exists; change it with PUT /api/v1/campaigns/2024-national and If-Match"
    assert answered(exists, 409) == problem(409, "活动年度已存在 (campaign exists)", detail)
    stale = await service.client.put(
        "/api/v1/campaigns/2024-national", json=campaign_body(), headers={**admin, "If-Match": '"7"'}
    )
    assert answered(stale, 409) == {
        "type": "/problems/conflict",
        "title": "版本冲突 (conflict)",
        "status": 409,
        "detail": "2024-national is at version 1, not the expected 7; reload it and try again",
    }

    headers, ids = await two_activities(service)
    route = (await service.client.post("/api/v1/science-routes", json=route_body(ids), headers=headers)).json()
    body = route_body(list(reversed(ids)))
    del body["campaign_id"]
    url = f"/api/v1/science-routes/{route['id']}"
    assert (await service.client.put(url, json=body, headers=headers | {"If-Match": '"1"'})).status_code == 200
    stale = await service.client.put(url, json=body, headers=headers | {"If-Match": '"1"'})
    detail = "The route changed since it was read; read it again"
    assert answered(stale, 409) == problem(409, "路线已被修改 (changed meanwhile)", detail)

    not_listed = problem(404, "路线不存在或未公开 (not found)", "No public route nope")
    for path in ("/api/v1/directory/routes/nope", f"/api/v1/directory/routes/nope/progress?visitor={VISITOR}"):
        assert answered(await service.client.get(path), 404) == not_listed, path
    check_in = {"stop": "v:nowhere", "visitor": VISITOR}
    missing = await service.client.post("/api/v1/directory/routes/nope/check-ins", json=check_in)
    assert answered(missing, 404) == not_listed
    stop = await service.client.post(f"/api/v1/directory/routes/{route['id']}/check-ins", json=check_in)
    message = "路线没有站点 v:nowhere (the route has no such stop)"
    errors = [{"field": "stop", "message": message}]
    assert answered(stop, 422) == problem(422, "站点无效 (invalid stop)", message, errors=errors)
    at_venue = {"stop": "v:渭南市科技馆", "visitor": VISITOR}
    throttled = None
    for _ in range(3):
        throttled = await service.client.post(f"/api/v1/directory/routes/{route['id']}/check-ins", json=at_venue)
        if throttled.status_code == 429:
            break
    assert throttled is not None
    body = answered(throttled, 429, throttled.headers.get("retry-after"))
    seconds = body["retry_after"]
    assert throttled.headers["retry-after"] == str(seconds)
    detail = f"Too many check-ins or ratings from this address; try again in {seconds} s"
    assert body == problem(429, "请求过于频繁 (too many requests)", detail, retry_after=seconds)


async def test_directory_media_and_sheet_refusals(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "/api/v1/directory/activities"
    unlisted = await service.client.get(f"{url}/nope")
    assert answered(unlisted, 404) == problem(404, "活动不存在或未公开 (not found)", "No public activity nope")
    missing = await service.client.post(f"{url}/nope/check-ins")
    assert answered(missing, 404) == problem(404, "活动不存在或未公开 (not found)", "No public activity nope")
    over = await service.client.post(f"{url}/nope/feedback", json={"rating": 3})
    detail = "Too many check-ins or ratings from this address; try again in 2 s"
    assert answered(over, 429, "2") == problem(429, "请求过于频繁 (too many requests)", detail, retry_after=2)

    organizer = await service.organizer()
    unsupported = "文件不是支持的照片或视频 (file: JPEG, PNG, WebP, MP4 or WebM only)"
    multipart = "请直接上传文件本身 (file: send the file as the body, not a multipart form)"
    for content, kind, message in (
        (b"not a picture at all", "application/octet-stream", unsupported),
        (b"--x", "multipart/form-data; boundary=x", multipart),
    ):
        refused = await service.client.post(
            "/api/v1/media", content=content, headers=organizer | {"content-type": kind}
        )
        errors = [{"field": "file", "message": message}]
        assert answered(refused, 415) == problem(415, "文件类型不支持 (unsupported file)", message, errors=errors)

    await service.campaign("2026")
    sheet = await service.client.post(
        "/api/v1/activities/import?campaign_id=2026", content=b"not a workbook", headers=organizer
    )
    detail = "上传的文件不是有效的 .xlsx 工作簿（.xls 或 .csv 请先另存为 .xlsx） (not an .xlsx workbook)"
    assert answered(sheet, 422) == problem(422, "表格无法导入 (sheet refused)", detail)

    @asynccontextmanager
    async def taken(unit_id: str) -> AsyncIterator[None]:
        raise ImportInProgress(unit_id)
        yield

    monkeypatch.setattr(service.container.imports, "hold", taken)
    busy = await service.client.post(
        "/api/v1/activities/import?campaign_id=2026", content=b"not a workbook", headers=organizer
    )
    detail = "本单位的上一次导入尚未完成，请等它结束后再上传 (one import at a time per unit)"
    expected = problem(409, "已有导入正在进行 (import in progress)", detail, limit="one_import_per_unit")
    assert answered(busy, 409, "5") == expected


def test_every_answer_is_keyed_by_a_router_module_or_route_that_exists() -> None:
    keys: set[str] = set()
    for found in pkgutil.iter_modules(routes.__path__):
        module = importlib.import_module(f"{routes.__name__}.{found.name}")
        router = getattr(module, "router", None)
        for route in getattr(router, "routes", ()):
            if (endpoint := getattr(route, "endpoint", None)) is not None:
                keys |= {found.name, f"{found.name}.{endpoint.__name__}"}
    named = {key for answers in ANSWERS.values() for key in answers} | set(INVALID)
    assert named - keys == set()
