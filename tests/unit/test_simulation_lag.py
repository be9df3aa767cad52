"""The season's lag sampler reads the consumers where they run: in the service's one process, or in its
background process when it runs in roles (``simulate --start --workers N``)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from harness.ports import free_port
from simulation.lag import LagSampler, Sample, rss_bytes
from simulation.report import memory_summary

LAGGING = 'kepuri_consumer_lag{group="registration.review-outcomes",topic="review",partition="0"} 42.0\n'
API_ROLE = "# a page with the HTTP metrics only\nkepuri_http_requests_total 7.0\n"


def _serve(page: str) -> tuple[ThreadingHTTPServer, str]:
    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def pages() -> Iterator[dict[str, str]]:
    servers = {name: _serve(page) for name, page in (("api", API_ROLE), ("background", LAGGING), ("all", LAGGING))}
    yield {name: url for name, (_server, url) in servers.items()}
    for server, _url in servers.values():
        server.shutdown()
        server.server_close()


async def _sample(urls: dict[str, str]) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=5) as client:
        return (await LagSampler(urls, lambda: 0.0).sample(client)).lag


async def test_in_roles_the_lag_is_read_from_the_background_process(pages: dict[str, str]) -> None:
    urls = {"registration": pages["api"], "registration-background": pages["background"]}
    assert await _sample(urls) == {"registration": 42.0}


async def test_in_one_process_the_lag_is_read_from_it_and_a_closed_background_port_is_ignored(
    pages: dict[str, str],
) -> None:
    urls = {"registration": pages["all"], "registration-background": f"http://127.0.0.1:{free_port()}"}
    assert await _sample(urls) == {"registration": 42.0}


async def test_an_api_page_without_consumers_is_no_reading_never_no_lag(pages: dict[str, str]) -> None:
    urls = {"registration": pages["api"], "registration-background": f"http://127.0.0.1:{free_port()}"}
    assert await _sample(urls) == {}
    sampler = LagSampler(urls, lambda: 0.0)
    assert not await sampler.drained(within=1.0, quiet_for=0.1)


def test_a_process_s_memory_counts_its_children_the_api_role_s_workers() -> None:
    allocate = "import sys, time; b = b'x' * (64 << 20); print('ready', flush=True); time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", allocate], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        own = next(
            int(line.split()[1]) * 1024
            for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
        tree = rss_bytes(os.getpid())
        assert tree is not None and tree - own >= 64 << 20
    finally:
        child.kill()
        child.wait()
    assert rss_bytes(child.pid) is None  # gone: no reading


def test_memory_is_summed_per_service_over_its_processes() -> None:
    mib = 1 << 20
    samples = [
        Sample(0.0, 0.0, {}, {}, {"registration": 100 * mib, "registration-background": 50 * mib}),
        Sample(0.5, 0.0, {}, {}, {"registration": 120 * mib, "registration-background": 10 * mib, "sms-standin": mib}),
    ]
    assert memory_summary(samples) == {
        "registration": {"peak_mib": 150.0, "end_mib": 130.0},
        "sms-standin": {"peak_mib": 1.0, "end_mib": 1.0},
    }
