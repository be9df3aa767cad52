"""One origin (issue 18): Caddy runs deploy/caddy/Caddyfile, the file ``kepuri up`` and docker-compose.yml
run, in front of the four services started as OS processes, serving a built site of two files.

Caddy's own validator accepts the file as ``kepuri up`` and compose configure it (and refuses a broken
one); every route of every service's OpenAPI reaches that service and no other (each service's own
request counter names the route it matched); the services' metrics, readiness and API docs stay inside;
the site falls back to index.html for client routes but never under /assets/ or /api/; hashed assets
are cached for a year and index.html revalidated; the site runs under its strict policy while API
answers keep the services' own; the science map's tile settings reach the site (/site-settings.json)
and its img-src lists exactly the configured tile hosts, an invalid setting none; a service's 413 comes through as problem+json, as do the proxy's own
errors; the dashboard's event stream streams; the services count sign-ups per client address, not per
proxy.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from harness.factories import PASSWORD
from harness.ports import free_port
from harness.processes import ServiceProcess, SiteProxy
from harness.proxy import CADDYFILE, caddy_binary, proxy_environment
from shared.web.headers import API_POLICY
from tests.e2e.processes import create_staff

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registration", "review", "notification", "analytics")
ASSET = "assets/index-3f9a1c2b.js"
INDEX = '<!doctype html><html lang="zh-CN"><head><script type="module" src="/{asset}"></script></head></html>'
SIGN_UPS_PER_ADDRESS = 2
INTERNAL = ("/healthz", "/readyz", "/metrics", "unmatched")
# a value for each path parameter of the services' routes
PARAMETERS = {"table": "activities", "kind": "review-outcome", "channel": "sms"}
SITE_POLICY_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "img-src": "'self' data:",  # no tile provider configured: no other host
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


@dataclass
class Origin:
    services: dict[str, ServiceProcess]
    proxy: SiteProxy
    data_dir: Path
    site_root: Path

    @property
    def url(self) -> str:
        return self.proxy.url


def build_site(root: Path) -> Path:
    """A built site as Vite leaves it: index.html and a content-hashed script under assets/."""
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX.format(asset=ASSET), encoding="utf-8")
    (root / ASSET).write_text("export const greeting = '科普日';\n" * 400, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origin]:
    data = tmp_path_factory.mktemp("origin")
    site = build_site(data / "dist")
    bus = f"embedded:{data / 'bus.db'}"
    create_staff(data, bus, "admin", "ops")
    registration = ServiceProcess(
        "registration", data, bus, registration_sign_ups_per_address=str(SIGN_UPS_PER_ADDRESS)
    )
    jwks = f"{registration.url}/api/v1/auth/jwks.json"
    services = {
        "registration": registration,
        **{name: ServiceProcess(name, data, bus, **{f"{name}_jwks_url": jwks}) for name in SERVICES[1:]},
    }
    proxy = SiteProxy(data, {name: f"127.0.0.1:{s.port}" for name, s in services.items()}, site)
    try:
        for service in services.values():
            service.start()
        proxy.start()
        yield Origin(services, proxy, data, site)
    finally:
        with contextlib.suppress(Exception):
            proxy.stop()
        for service in services.values():
            with contextlib.suppress(Exception):
                service.stop()


@pytest.fixture(scope="module")
def client(origin: Origin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=origin.url, timeout=30) as client:
        yield client


def policy(header: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.partition(" ")[2] for d in (p.strip() for p in header.split(";")) if d}


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["title"]
    return body


# ------------------------------------------------------------------------- the server's own validator


def validate(environment: dict[str, str], config: Path = CADDYFILE) -> subprocess.CompletedProcess[str]:
    command = [str(caddy_binary()), "validate", "--config", str(config), "--adapter", "caddyfile"]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)


def compose_environment() -> dict[str, str]:
    """The caddy service's environment in docker-compose.yml, ``${VAR:-default}`` as Compose fills it in."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    env = compose["services"]["caddy"]["environment"]
    default = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}")
    return {key: default.sub(lambda m: m.group(1), str(value)) for key, value in env.items()}


def test_caddy_validates_the_caddyfile_as_kepuri_up_and_compose_configure_it(tmp_path: Path) -> None:
    upstreams = {name: f"127.0.0.1:{free_port()}" for name in SERVICES}
    as_up = proxy_environment(
        {"PATH": "/usr/bin:/bin"}, upstreams, port=8000, bind="127.0.0.1", site_root=tmp_path, state_dir=tmp_path
    )
    done = validate(as_up)
    assert done.returncode == 0 and "Valid configuration" in done.stdout + done.stderr, done.stderr

    as_compose = {"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path), **compose_environment()}
    for domain in ("", "kepuri.example.cn"):  # HTTP on any address; a domain turns on automatic HTTPS
        environment = {**as_compose, **({"KEPURI_SITE_ADDRESS": domain} if domain else {})}
        done = validate(environment)
        assert done.returncode == 0, done.stderr
    # the map's tile settings, valid or not, never make the file invalid (they are read per request)
    for tiles in (
        {
            "KEPURI_MAP_TILES": "tianditu",
            "KEPURI_MAP_TILE_KEY": "0123abcd",
            "KEPURI_MAP_TILE_APPROVAL": "GS(2024)0000号",
        },
        {"KEPURI_MAP_TILES": "amap", "KEPURI_MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"},
        {"KEPURI_MAP_TILES": 'a "b" {c}', "KEPURI_MAP_TILE_KEY": "; }", "KEPURI_MAP_TILE_URL": "`x` y"},
    ):
        done = validate({**as_up, **tiles})
        assert done.returncode == 0, (tiles, done.stderr)
        done = validate({**as_compose, **tiles})
        assert done.returncode == 0, (tiles, done.stderr)
    # not a rubber stamp: a misspelt directive and a missing upstream are refused
    broken = tmp_path / "Caddyfile"
    broken.write_text(CADDYFILE.read_text(encoding="utf-8").replace("reverse_proxy", "reverse_proxi", 1))
    assert validate(as_up, broken).returncode != 0
    assert validate({**as_up, "KEPURI_REVIEW_UPSTREAM": ""}).returncode != 0


def test_the_caddyfile_is_formatted_as_caddy_formats_it() -> None:
    done = subprocess.run([str(caddy_binary()), "fmt", str(CADDYFILE)], capture_output=True, text=True, check=True)
    assert done.stdout == CADDYFILE.read_text(encoding="utf-8"), "run: caddy fmt --overwrite deploy/caddy/Caddyfile"


# -------------------------------------------------------------------------------------- the routes


def routed_counts(service: ServiceProcess) -> dict[tuple[str, str], float]:
    """(method, route) -> requests answered, from the service's own counter (read directly, not
    through the proxy: /metrics is internal). The counter names a route as its router declares it,
    without the ``/api/v1`` prefix the app mounts the routers under; it is put back here."""
    text = httpx.get(f"{service.url}/metrics", timeout=10).text
    counts: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "kepuri_http_requests":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                route = sample.labels["route"]
                key = (sample.labels["method"], route if route in INTERNAL else f"/api/v1{route}")
                counts[key] = counts.get(key, 0) + sample.value
    return counts


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMETERS.get(m.group(1), "0123456789abcdef0123456789abcdef"), path)


def test_every_route_of_every_service_reaches_that_service(origin: Origin, client: httpx.Client) -> None:
    table: dict[str, list[tuple[str, str]]] = {}
    for name, service in origin.services.items():
        document = httpx.get(f"{service.url}/openapi.json", timeout=10).json()
        table[name] = [
            (method.upper(), path)
            for path, operations in document["paths"].items()
            if path.startswith("/api/")
            for method in operations
        ]
    assert all(table.values()) and sum(map(len, table.values())) > 50
    before = {name: routed_counts(service) for name, service in origin.services.items()}

    for routes in table.values():
        for method, path in routes:
            answer = client.request(method, concrete(path))
            assert answer.status_code != 502, (method, path)
            if answer.status_code == 404:  # a service's 404 for an unknown id, not the proxy's
                assert answer.json()["title"] != "没有这个接口 (no such API)", (method, path)

    for name, service in origin.services.items():
        after = routed_counts(service)
        missed = [route for route in table[name] if after.get(route, 0) <= before[name].get(route, 0)]
        assert missed == [], f"these routes of {name} did not reach {name} through the proxy: {missed}"


def test_the_operations_dashboard_is_analytics_page_with_its_own_policy(origin: Origin, client: httpx.Client) -> None:
    direct = httpx.get(f"{origin.services['analytics'].url}/dashboard", timeout=10)
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.text == direct.text
    assert page.headers["content-security-policy"] == direct.headers["content-security-policy"]
    # as the site's pages: the workbench that opens it stays its opener (the token hand-off)
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    for asset in re.findall(r'(?:src|href)="(dashboard/static/[^"]+)"', page.text):
        answer = client.get(f"/{asset}")
        assert answer.status_code == 200 and answer.content, asset


def test_unknown_api_paths_are_problem_404s_not_the_site(client: httpx.Client) -> None:
    for path in ("/api/v1/nothing", "/api/v2/activities", "/api/v1/review", "/api/v1/statistics"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("application/problem+json"), path
        assert "<html" not in answer.text


def test_metrics_readiness_and_api_docs_stay_internal(client: httpx.Client, origin: Origin) -> None:
    assert client.get("/healthz").text == "ok"  # the proxy's own health
    raw = [
        "/metrics",
        "/metrics/",
        "/Metrics",
        "//metrics",
        "/readyz",
        "/docs",
        "/redoc",
        "/openapi.json",
        "/api/v1/stats/../../metrics",
        "/api/v1/stats/..%2f..%2fmetrics",
        "/api/v1/stats/%2e%2e/%2e%2e/metrics",
        "/dashboard/static/../../metrics",
        "/dashboard/static/..%2f..%2fmetrics",
        "/api/v1/units/../../../readyz",
    ]
    for path in raw:
        status, body = raw_get(origin.proxy.port, path)
        assert status == 404, path
        assert b"kepuri_" not in body and b"# HELP" not in body and b"openapi" not in body, path


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """A GET of ``path`` exactly as written (no client-side normalisation of dots or escapes)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: kepuri\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


# ---------------------------------------------------------------------------------------- the site


def test_client_routes_fall_back_to_index_html_revalidated_every_time(client: httpx.Client) -> None:
    for path in ("/", "/search?q=机器人", "/map", "/activities/42", "/workbench/review/queue", "/login"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert ASSET in answer.text, path
        assert answer.headers["cache-control"] == "no-cache", path
        assert answer.headers["etag"], path


def test_hashed_assets_are_cached_for_a_year_and_compressed(client: httpx.Client, origin: Origin) -> None:
    answer = client.get(f"/{ASSET}", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.content == (origin.site_root / ASSET).read_bytes()
    assert client.get(f"/{ASSET}", headers={"Accept-Encoding": "zstd"}).headers["content-encoding"] == "zstd"

    missing = client.get("/assets/index-00000000.js")  # a file of an older build: never index.html
    assert missing.status_code == 404 and "<html" not in missing.text
    assert missing.headers["cache-control"] == "no-store"


def test_the_site_runs_under_a_strict_policy_and_api_answers_keep_the_services(client: httpx.Client) -> None:
    for path in ("/", "/activities/42", f"/{ASSET}"):
        headers = client.get(path).headers
        directives = policy(headers["content-security-policy"])
        assert {k: directives.get(k) for k in SITE_POLICY_DIRECTIVES} == SITE_POLICY_DIRECTIVES, path
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert "unsafe-eval" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "geolocation=(self)" in headers["permissions-policy"]  # "near me"
        assert "server" not in headers

    api = client.get("/api/v1/campaigns")
    assert api.status_code == 200
    assert api.headers["content-security-policy"] == API_POLICY  # the service's, not the site's
    assert api.headers["referrer-policy"] == "no-referrer"
    assert api.headers.get_list("content-security-policy") == [API_POLICY]
    assert api.headers.get_list("x-content-type-options") == ["nosniff"]


TIANDITU_HOSTS = " ".join(f"https://t{n}.tianditu.gov.cn" for n in range(8))
AMAP_HOSTS = " ".join(f"https://webrd0{n}.is.autonavi.com" for n in range(1, 5))
STANDIN = "http://127.0.0.1:8999/{layer}/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}"
NO_TILES = {"tiles": "", "key": "", "url": "", "approval": ""}


@pytest.mark.parametrize(
    ("settings", "served", "img_src"),
    [
        ({}, NO_TILES, "'self' data:"),
        (
            {
                "KEPURI_MAP_TILES": "tianditu",
                "KEPURI_MAP_TILE_KEY": "0123abcd",
                "KEPURI_MAP_TILE_APPROVAL": "GS(2024)0000号",
            },
            {**NO_TILES, "tiles": "tianditu", "key": "0123abcd", "approval": "GS(2024)0000号"},
            f"'self' data: {TIANDITU_HOSTS}",
        ),
        ({"KEPURI_MAP_TILES": "amap"}, {**NO_TILES, "tiles": "amap"}, f"'self' data: {AMAP_HOSTS}"),
        # a template in place of the provider's: exactly its origin
        (
            {"KEPURI_MAP_TILES": "tianditu", "KEPURI_MAP_TILE_KEY": "k", "KEPURI_MAP_TILE_URL": STANDIN},
            {**NO_TILES, "tiles": "tianditu", "key": "k", "url": STANDIN},
            "'self' data: http://127.0.0.1:8999",
        ),
        # invalid values are dropped, one by one: the site draws its offline map, the JSON stays JSON
        (
            {
                "KEPURI_MAP_TILES": "Tianditu",
                "KEPURI_MAP_TILE_KEY": 'k"}',
                "KEPURI_MAP_TILE_URL": "javascript:alert(1)//{z}/{x}/{y}",
                "KEPURI_MAP_TILE_APPROVAL": "<b>GS</b>",
            },
            NO_TILES,
            "'self' data:",
        ),
        (
            {"KEPURI_MAP_TILES": "amap", "KEPURI_MAP_TILE_URL": "https://x.cn/a b/{z}"},
            {**NO_TILES, "tiles": "amap"},
            f"'self' data: {AMAP_HOSTS}",
        ),
    ],
    ids=["unset", "tianditu", "amap", "template", "invalid", "invalid-template"],
)
def test_the_map_tile_settings_reach_the_site_and_its_policy(
    tmp_path: Path, settings: dict[str, str], served: dict[str, str], img_src: str
) -> None:
    site = build_site(tmp_path / "dist")
    upstreams = {name: f"127.0.0.1:{free_port()}" for name in SERVICES}  # not asked: only the site is
    proxy = SiteProxy(tmp_path, upstreams, site, **settings)
    proxy.start()
    try:
        answer = httpx.get(f"{proxy.url}/site-settings.json", timeout=10)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["cache-control"] == "no-store"
        assert answer.json() == {"map": served}
        for path in ("/", "/map", "/site-settings.json"):
            directives = policy(httpx.get(f"{proxy.url}{path}", timeout=10).headers["content-security-policy"])
            assert directives["img-src"] == img_src, path
            assert {k: directives.get(k) for k in SITE_POLICY_DIRECTIVES if k != "img-src"} == {
                k: v for k, v in SITE_POLICY_DIRECTIVES.items() if k != "img-src"
            }
    finally:
        proxy.stop()


# ------------------------------------------------------------------------------------ the services


def test_a_413_of_a_service_comes_through_as_problem_json(client: httpx.Client) -> None:
    big = b'{"name":"' + b"x" * (2 << 20) + b'"}'
    declared = client.post("/api/v1/units", content=big, headers={"Content-Type": "application/json"})
    assert problem(declared, 413)["limit"] == "max_body_bytes"

    def chunks() -> Iterator[bytes]:
        yield from (b"x" * 65536 for _ in range(40))

    streamed = client.post("/api/v1/units", content=chunks(), headers={"Content-Type": "application/json"})
    assert problem(streamed, 413)["limit"] == "max_body_bytes"


def sign_up(source: str, url: str, number: int, **headers: str) -> int:
    body = {
        "name": "渭南市科技馆",
        "unit_type": "museum",
        "region_code": "610502",
        "contact_name": "王建国",
        "contact_phone": f"1391234{number:04d}",
        "password": PASSWORD,
    }
    transport = httpx.HTTPTransport(local_address=source)  # the client's own address on the loopback
    with httpx.Client(transport=transport, base_url=url, timeout=30) as client:
        return client.post("/api/v1/units", json=body, headers=headers).status_code


def test_registration_counts_sign_ups_per_client_address_not_per_proxy(origin: Origin) -> None:
    answers = [sign_up("127.0.0.2", origin.url, n) for n in range(SIGN_UPS_PER_ADDRESS + 1)]
    assert answers == [202] * SIGN_UPS_PER_ADDRESS + [429]
    assert sign_up("127.0.0.3", origin.url, 100) == 202  # another client, behind the same proxy
    # what a client claims in X-Forwarded-For is not passed on
    assert sign_up("127.0.0.2", origin.url, 101, **{"X-Forwarded-For": "203.0.113.9"}) == 429
    assert sign_up("127.0.0.4", origin.url, 102, **{"X-Forwarded-For": "127.0.0.2"}) == 202


def test_the_dashboard_stream_streams_through_the_proxy(client: httpx.Client) -> None:
    token = client.post("/api/v1/auth/token", json={"login": "ops", "password": PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}", "Accept-Encoding": "gzip, zstd"}
    with client.stream("GET", "/api/v1/stats/dashboard/stream", headers=headers, timeout=15) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in stream.headers  # compressing would hold events back
        # the first snapshot arrives while the stream stays open: nothing waits for its end
        for line in stream.iter_lines():
            if line.startswith("data: "):
                assert "counters" in json.loads(line.removeprefix("data: "))
                break


def test_the_proxys_own_errors_are_problem_json(origin: Origin) -> None:
    """A service that is down answers 502, a body over the proxy's limit 413: problem+json both."""
    upstreams = {name: f"127.0.0.1:{free_port()}" for name in SERVICES}  # nothing listens there
    upstreams["registration"] = f"127.0.0.1:{origin.services['registration'].port}"
    proxy = SiteProxy(origin.data_dir, upstreams, origin.site_root, KEPURI_PROXY_MAX_BODY="16KB")
    proxy.start()
    try:
        with httpx.Client(base_url=proxy.url, timeout=30) as client:
            down = client.get("/api/v1/indicators")
            assert "不可用" in problem(down, 502)["title"]
            assert down.headers["cache-control"] == "no-store"
            big = client.post("/api/v1/units", content=b"x" * (64 << 10), headers={"Content-Type": "application/json"})
            problem(big, 413)
    finally:
        assert proxy.stop() == 0
