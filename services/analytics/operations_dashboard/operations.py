"""The dashboard's operations table: consumer lag, errors and dead letters per consumer group, read from
the Prometheus metrics of analytics itself (in-process) and of its peers (``peers_metrics`` URLs).

A peer that does not answer within the timeout, or answers with something else than metrics, is shown
as unreachable with the reason; it never fails the snapshot.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

import httpx
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from .models import GroupHealth, Operations, Source

LAG = "kepuri_consumer_lag"
ERRORS = "kepuri_consumer_errors_total"
DEAD_LETTERS = "kepuri_consumer_dead_letters_total"
COLUMNS = {LAG: "lag", ERRORS: "errors", DEAD_LETTERS: "dead_letters"}
SELF = "analytics"
TIMEOUT_S = 1.0


def consumer_figures(text: str) -> dict[str, dict[str, float]]:
    """group → {lag, errors, dead_letters}, summed over topics and partitions, from metrics text."""
    groups: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COLUMNS.values(), 0.0))
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            column = COLUMNS.get(sample.name)
            group = sample.labels.get("group")
            if column is not None and group is not None:
                groups[group][column] += sample.value
    return dict(groups)


async def _scrape(client: httpx.AsyncClient, url: str) -> tuple[Source, dict[str, dict[str, float]]]:
    try:
        response = await client.get(url)
        response.raise_for_status()
        figures = consumer_figures(response.text)
    except Exception as exc:  # a peer down, slow, or answering with anything but metrics: shown, not raised
        reason = f"{type(exc).__name__}: {exc}".strip().removesuffix(":")
        return Source(source=url, status="unreachable", error=reason[:200]), {}
    return Source(source=url, status="ok"), figures


class OperationsReader:
    """Reads the consumer figures of this process and of the peers, all at once."""

    def __init__(
        self, peers: Sequence[str] = (), registry: CollectorRegistry = REGISTRY, timeout_s: float = TIMEOUT_S
    ) -> None:
        self.peers = list(peers)
        self.registry = registry
        self.timeout_s = timeout_s

    async def read(self) -> Operations:
        sources = [Source(source=SELF, status="ok")]
        results = [consumer_figures(generate_latest(self.registry).decode())]
        if self.peers:
            async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client:
                scraped = await asyncio.gather(*(_scrape(client, url) for url in self.peers))
            for source, figures in scraped:
                sources.append(source)
                results.append(figures)
        totals: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COLUMNS.values(), 0.0))
        for figures in results:
            for group, values in figures.items():
                for column, value in values.items():
                    totals[group][column] += value
        groups = [GroupHealth(group=group, **values) for group, values in sorted(totals.items())]
        return Operations(groups=groups, sources=sources)
