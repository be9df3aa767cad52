"""The four services as OS processes in production: each refuses a 50 MiB body with a 413 problem+json
without reading it (declared or chunked) and stays small, every answer carries the security headers,
and the API docs are not served."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.processes import ServiceProcess
from services.registration.adapters import signing_key

SERVICES = ("registration", "review", "notification", "analytics")
# a POST route of each service that reads a JSON body (before any token is looked at)
POSTS = {
    "registration": "/api/v1/auth/token",
    "review": "/api/v1/review/activities/approve",
    "notification": "/api/v1/sms/receipts",
    "analytics": "/api/v1/stats/overview",  # it takes no bodies: refused all the same
}
BIG = 50 << 20
HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    data = tmp_path_factory.mktemp("production")
    key = data / "keys" / "registration-ed25519.pem"
    signing_key.load_or_create(key, create=True)
    processes = {
        name: ServiceProcess(
            name,
            data,
            f"embedded:{data / 'bus.db'}",
            environment="production",
            registration_jwt_private_key_file=str(key),
            notification_sms_secret="e2e-hardening-secret",
            key_vault_url=f"sqlite+aiosqlite:///{data / 'keys.db'}",
            **{f"{name}_database_url": f"sqlite+aiosqlite:///{data / f'{name}.db'}"},
        )
        for name in SERVICES
    }
    try:
        for process in processes.values():
            process.start()
        yield processes
    finally:
        for process in processes.values():
            with contextlib.suppress(Exception):
                process.stop()


def resident_bytes(process: ServiceProcess) -> int:
    assert process.process is not None
    status = Path(f"/proc/{process.process.pid}/status").read_text()
    [line] = [line for line in status.splitlines() if line.startswith("VmRSS:")]
    return int(line.split()[1]) * 1024


def big_json() -> bytes:
    return b'{"login": "' + b"a" * (BIG - 40) + b'", "password": "x"}'


def streamed(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    for _ in range(total // chunk):
        yield b"a" * chunk


def assert_refused(answer: httpx.Response, name: str) -> None:
    assert answer.status_code == 413, f"{name}: {answer.status_code} {answer.text[:200]}"
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 413 and problem["limit"] == "max_body_bytes" and problem["limit_value"] == 1 << 20
    assert "请求内容超过上限" in problem["detail"]
    assert all(h in answer.headers for h in HEADERS)


@pytest.mark.parametrize("name", SERVICES)
def test_a_50_mib_body_is_refused_unread_and_the_service_stays_small(
    production: dict[str, ServiceProcess], name: str
) -> None:
    process = production[name]
    url = process.url + POSTS[name]
    json_type = {"Content-Type": "application/json"}
    body = big_json()
    with httpx.Client(timeout=60) as http:
        http.get(process.url + "/healthz")
        before = resident_bytes(process)
        assert_refused(http.post(url, content=body, headers=json_type), name)
        chunked = http.post(url, content=streamed(BIG), headers=json_type)  # no length: counted as it comes
        if name == "analytics":  # no route of it reads a body: the chunks are never read, only discarded
            assert chunked.status_code == 405
        else:
            assert_refused(chunked, name)
        assert http.get(process.url + "/healthz").status_code == 200
        grown = resident_bytes(process) - before
    assert grown < 24 << 20, f"{name} grew by {grown >> 20} MiB for two refused 50 MiB bodies"


@pytest.mark.parametrize("name", SERVICES)
def test_every_answer_carries_the_security_headers(production: dict[str, ServiceProcess], name: str) -> None:
    url = production[name].url
    with httpx.Client(timeout=10) as http:
        answers = [
            http.get(f"{url}/healthz"),
            http.get(f"{url}/metrics"),
            http.get(f"{url}/api/v1/nothing-here"),
            http.post(url + POSTS[name], content=b"{not json", headers={"Content-Type": "application/json"}),
        ]
    for answer in answers:
        missing = [h for h in HEADERS if h not in answer.headers]
        assert not missing, f"{answer.request.url} ({answer.status_code}) lacks {missing}"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answers[0].headers["content-security-policy"].startswith("default-src 'none'")


def test_the_dashboard_page_has_a_policy_of_its_own(production: dict[str, ServiceProcess]) -> None:
    page = httpx.get(production["analytics"].url + "/dashboard", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe" not in policy
    assert "<script>" not in page.text and " style=" not in page.text, "nothing inline for the policy to forbid"


@pytest.mark.parametrize("name", SERVICES)
def test_production_does_not_serve_the_api_docs(production: dict[str, ServiceProcess], name: str) -> None:
    with httpx.Client(base_url=production[name].url, timeout=10) as http:
        codes = {path: http.get(path).status_code for path in ("/docs", "/redoc", "/openapi.json")}
    assert codes == {"/docs": 404, "/redoc": 404, "/openapi.json": 404}
