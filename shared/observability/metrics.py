"""HTTP metrics named by Prometheus conventions, labelled by route template (not raw path).

An API served by several worker processes (``--workers N``, see ``shared/runtime/serve.py``) runs in
Prometheus' multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` is set before the workers start, each
writes its samples there, and ``/metrics`` of whichever worker answers sums them all.
"""

from __future__ import annotations

import os

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("kepuri_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "kepuri_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# prometheus_client's own switch (read when it is imported): the directory the workers' samples go to
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def metrics_registry() -> CollectorRegistry:
    """What ``/metrics`` exposes: this process's registry, or every worker's samples in multiprocess mode."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return registry


def metrics_response() -> Response:
    """The Prometheus exposition of this process's registry (of all its workers' in multiprocess mode)."""
    return Response(generate_latest(metrics_registry()), media_type=CONTENT_TYPE_LATEST)
