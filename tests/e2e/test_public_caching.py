"""Public reads through the one origin (issue 21): registration and analytics as OS processes behind Caddy
running deploy/caddy/Caddyfile. Their ``ETag`` and ``Cache-Control`` reach the client, ``If-None-Match``
reaches the service and its 304 comes back without a body, and compression does not break revalidation:
Caddy's ``encode`` tags a compressed answer ``"<tag>-gzip"`` (``-zstd``) and strips that suffix from
``If-None-Match`` before passing it on, so a client revalidates with the tag it was given. Private answers
stay private through the proxy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from harness.factories import PASSWORD
from harness.ports import free_port
from harness.processes import ServiceProcess, SiteProxy
from tests.e2e.processes import create_staff

REGIONS = "/api/v1/directory/regions"  # the provinces: large enough to be compressed
SEARCH = "/api/v1/directory/activities"
STATS = "/api/v1/stats/activities"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, ServiceProcess]]]:
    data = tmp_path_factory.mktemp("caching")
    (site := data / "dist").mkdir()
    (site / "index.html").write_text("<!doctype html><title>科普日</title>", encoding="utf-8")
    bus = f"embedded:{data / 'bus.db'}"
    create_staff(data, bus, "admin", "ops")
    registration = ServiceProcess("registration", data, bus)
    analytics = ServiceProcess("analytics", data, bus, analytics_jwks_url=f"{registration.url}/api/v1/auth/jwks.json")
    services = {"registration": registration, "analytics": analytics}
    upstreams = {name: f"127.0.0.1:{s.port}" for name, s in services.items()}
    upstreams |= {name: f"127.0.0.1:{free_port()}" for name in ("review", "notification")}  # not needed here
    proxy = SiteProxy(data, upstreams, site)
    try:
        for service in services.values():
            service.start()
        proxy.start()
        yield proxy.url, services
    finally:
        with contextlib.suppress(Exception):
            proxy.stop()
        for service in services.values():
            with contextlib.suppress(Exception):
                service.stop()


@pytest.fixture(scope="module")
def client(origin: tuple[str, dict[str, ServiceProcess]]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=origin[0], timeout=30) as client:
        yield client


def direct(origin: tuple[str, dict[str, ServiceProcess]], service: str, path: str, **params: str) -> httpx.Response:
    answer = httpx.get(f"{origin[1][service].url}{path}", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer


@pytest.mark.parametrize("encoding", ["gzip", "zstd"])
def test_a_compressed_answer_is_revalidated_with_the_tag_the_proxy_gave(
    origin: tuple[str, dict[str, ServiceProcess]], client: httpx.Client, encoding: str
) -> None:
    own = direct(origin, "registration", REGIONS)
    answer = client.get(REGIONS, headers={"Accept-Encoding": encoding})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == encoding
    # httpx decodes gzip (not zstd, without the zstandard package): the same bytes, or fewer
    assert answer.content == own.content if encoding == "gzip" else len(answer.content) < len(own.content)
    assert answer.headers["etag"] == own.headers["etag"][:-1] + f'-{encoding}"'  # another representation
    assert answer.headers["cache-control"] == own.headers["cache-control"]
    assert "accept-encoding" in answer.headers["vary"].lower()

    again = client.get(REGIONS, headers={"Accept-Encoding": encoding, "If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == own.headers["cache-control"]
    # the 304 has no body to encode, so it carries the service's own tag (which Caddy also accepts back)
    assert again.headers["etag"] == own.headers["etag"]
    revalidated = client.get(REGIONS, headers={"Accept-Encoding": encoding, "If-None-Match": again.headers["etag"]})
    assert revalidated.status_code == 304


def test_an_uncompressed_answer_keeps_the_services_tag(
    origin: tuple[str, dict[str, ServiceProcess]], client: httpx.Client
) -> None:
    for path, params in ((REGIONS, {}), (SEARCH, {"q": "科普"}), (REGIONS, {"parent": "61"})):
        own = direct(origin, "registration", path, **params)
        answer = client.get(path, params=params, headers={"Accept-Encoding": "identity"})
        assert answer.status_code == 200 and "content-encoding" not in answer.headers
        assert answer.headers["etag"] == own.headers["etag"], path
        assert answer.headers["cache-control"] == own.headers["cache-control"]
        tagged = {"Accept-Encoding": "identity", "If-None-Match": f'W/"other", {own.headers["etag"]}'}
        again = client.get(path, params=params, headers=tagged)
        assert again.status_code == 304 and again.content == b"", path


def test_public_statistics_and_private_ones_through_the_proxy(
    origin: tuple[str, dict[str, ServiceProcess]], client: httpx.Client
) -> None:
    params = {"campaign": "2026", "by": "province"}  # a campaign analytics has not heard of is public
    answer = client.get(STATS, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "public, max-age=1, stale-while-revalidate=2"
    again = client.get(STATS, params=params, headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    token = client.post("/api/v1/auth/token", json={"login": "ops", "password": PASSWORD})
    assert token.status_code == 200, token.text
    staff = {"Authorization": f"Bearer {token.json()['access_token']}"}
    board = client.get("/api/v1/stats/scoreboard", params={"campaign": "2026"}, headers=staff)
    assert board.status_code == 200 and board.headers["cache-control"] == "private, no-cache"
