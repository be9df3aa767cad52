"""docker-compose.yml publishes nothing beyond the host's loopback interface.

``/metrics`` (consumer lag, dead letters), ``/healthz`` and ``/readyz`` answer anyone who reaches a
service's port, and Prometheus (no login; ``--web.enable-lifecycle`` lets a POST stop it) and Grafana
(a development password unless one is set) are operators' tools: a published port is bound to
127.0.0.1, for the walkthrough on the host, and anything public goes through a proxy that routes only
``/api/v1`` (docs/architecture.md, "Every HTTP answer"): Caddy, the one public entrance, which
publishes only its HTTP and HTTPS ports. Kafka and PostgreSQL publish nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
SERVICES = {"registration": 8001, "review": 8002, "notification": 8003, "analytics": 8004}


def published(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each published port as (host address, host port, container port), short or long syntax."""
    found = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.append((str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"])))
            continue
        # a ${VAR:-default} host port is one part, whatever its own colon
        plain = re.sub(r"\$\{[^}]*\}", lambda m: m.group(0).replace(":", "="), str(port))
        parts = ["", "", *plain.split(":")][-3:]  # [host_ip:][published:]target
        found.append((parts[0], parts[1], parts[2]))
    return found


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


PUBLIC_ENTRANCE = "caddy"


def test_every_published_port_but_the_proxys_is_bound_to_loopback() -> None:
    services = compose()["services"]
    ports = {name: published(service) for name, service in services.items() if name != PUBLIC_ENTRANCE}
    open_to_all = {name: p for name, found in ports.items() for p in found if p[0] != "127.0.0.1"}
    assert open_to_all == {}


def test_the_proxy_publishes_only_http_and_https() -> None:
    targets = {target for _, _, target in published(compose()["services"][PUBLIC_ENTRANCE])}
    assert targets == {"80", "443", "443/udp"}


def test_the_services_are_published_on_their_ports_for_the_walkthrough_and_the_backends_not_at_all() -> None:
    services = compose()["services"]
    for name, port in SERVICES.items():
        assert published(services[f"{name}-api"]) == [("127.0.0.1", str(port), str(port))]
        assert published(services[f"{name}-background"]) == []  # Prometheus reaches it inside the network
    assert published(services["kafka"]) == [] and published(services["postgres"]) == []
