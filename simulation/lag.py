"""Consumer lag and memory, sampled while the season runs.

Each service exports ``kepuri_consumer_lag{group,topic,partition}`` (records not yet read, refreshed
about once a second by every consumer) on ``/metrics``; the sampler reads every service's page on
its own client (not counted as load) and keeps the sum per service and the worst consumer group.
A service run in process roles (``--workers`` > 1) has its consumers in its background process, so
the sampler reads that process's page too (``<service>-background`` in ``urls``): of a service's
pages, the one that shows consumers counts. A page without them is no reading, never "no lag".
With the services' process ids (``--start``), it also reads each one's resident memory from /proc.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LINE = re.compile(r"^kepuri_consumer_lag\{([^}]*)\}\s+([0-9.eE+-]+)$", re.MULTILINE)
GROUP = re.compile(r'group="([^"]*)"')
CONSUMERS = ("registration", "review", "notification", "analytics")


def parse_lag(text: str) -> dict[str, float]:
    """Lag per consumer group (summed over topics and partitions) from a Prometheus text page."""
    groups: defaultdict[str, float] = defaultdict(float)
    for labels, value in LINE.findall(text):
        group = GROUP.search(labels)
        groups[group.group(1) if group else "?"] += float(value)
    return dict(groups)


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process and its children (an api role's workers), or None once it has gone."""
    try:
        own = next(
            int(line.split()[1]) * 1024
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
    except (OSError, StopIteration):
        return None
    return own + sum(rss_bytes(child) or 0 for child in _children(pid))


def _children(pid: int) -> list[int]:
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []


@dataclass
class Sample:
    at: float  # seconds since the sampler started
    day: float  # season day
    lag: dict[str, float]  # service → records behind (sum over its groups)
    worst: dict[str, float]  # service → the most behind of its groups
    rss: dict[str, int] = field(default_factory=dict)


class LagSampler:
    """Samples every ``interval`` seconds until stopped; ``latest`` is the last sample."""

    def __init__(
        self, urls: dict[str, str], day: Callable[[], float], pids: dict[str, int] | None = None, interval: float = 0.5
    ) -> None:
        self.urls = {name: url for name, url in urls.items() if name in CONSUMERS}
        self.pages = {
            name: [url, *([background] if (background := urls.get(f"{name}-background")) else [])]
            for name, url in self.urls.items()
        }
        self.pids = pids or {}
        self.samples: list[Sample] = []
        self._day = day
        self._interval = interval
        self._started = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    @property
    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    async def sample(self, client: httpx.AsyncClient) -> Sample:
        async def one(name: str, url: str) -> tuple[str, dict[str, float] | None]:
            try:
                groups = parse_lag((await client.get(f"{url}/metrics")).text)
            except httpx.HTTPError:
                return name, None  # not answering: left out, so never taken for "no lag"
            return name, groups or None  # an api role's page: its consumers run elsewhere

        readings = [(n, u) for n, urls in self.pages.items() for u in urls]
        pages = [(n, g) for n, g in await asyncio.gather(*(one(n, u) for n, u in readings)) if g is not None]
        lag = {name: sum(groups.values()) for name, groups in pages}
        worst = {name: max(groups.values(), default=0.0) for name, groups in pages}
        rss = {name: value for name, pid in self.pids.items() if (value := rss_bytes(pid)) is not None}
        sample = Sample(time.monotonic() - self._started, self._day(), lag, worst, rss)
        self.samples.append(sample)
        return sample

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                await self.sample(client)
                await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def drained(self, within: float, quiet_for: float = 2.5) -> bool:
        """Wait until every consumer of every service reports no lag for ``quiet_for`` seconds."""
        deadline = time.monotonic() + within
        quiet_since: float | None = None
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < deadline:
                sample = await self.sample(client)
                if len(sample.lag) == len(self.urls) and not any(sample.lag.values()):
                    quiet_since = quiet_since or time.monotonic()
                    if time.monotonic() - quiet_since >= quiet_for:
                        return True
                else:
                    quiet_since = None
                await asyncio.sleep(0.25)
        return False
