"""The load driver: open-loop HTTP calls on aiohttp, paced and bounded, with per-endpoint statistics.

Calls are made when the season's schedule says (``SeasonClock``), never in reaction to the previous
answer of some other flow: a slow service does not slow the arrivals down (open loop). Every call
also passes a global pacer (``rate`` calls a second at most) and a concurrency bound. Each endpoint
(method and route template) keeps its latencies, status counts and calls per second; how late the
calls left against the schedule is recorded too, since a saturated driver would otherwise hide the
platform's queueing (coordinated omission). The driver shares the machine with the services it
drives, so it uses aiohttp, whose connection pool costs little per request (httpx's scanned every
pooled connection on each request, and was the simulation's largest CPU cost).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from .campaign import SEASON_START
from .gate import Gate


class SeasonClock:
    """Season days against the wall clock: ``compression`` season days pass each real second."""

    def __init__(self, compression: float, start_day: float = SEASON_START) -> None:
        self.compression = compression
        self.start_day = start_day
        self.started = time.monotonic()

    def day(self) -> float:
        return self.start_day + (time.monotonic() - self.started) * self.compression

    def real(self, day: float) -> float:
        """The monotonic time at which season day ``day`` comes."""
        return self.started + (day - self.start_day) / self.compression

    async def until(self, day: float) -> None:
        wait = self.real(day) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)


@dataclass
class EndpointStats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    per_second: Counter[int] = field(default_factory=Counter)
    late: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)  # seconds since the driver started, per latency

    @property
    def count(self) -> int:
        return sum(self.statuses.values())


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Driver:
    """Calls the services by name (``registration``, ``review``, ``analytics``, ``notification``, ``sms``)."""

    def __init__(self, urls: dict[str, str], rate: float, concurrency: int, timeout: float = 30.0) -> None:
        self.urls = urls
        self.rate = rate
        self.stats: defaultdict[str, EndpointStats] = defaultdict(EndpointStats)
        self.started = time.monotonic()
        self.in_flight = 0
        self._slots = Gate(concurrency)
        self._concurrency = concurrency
        self._next = 0.0
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    def _session(self, service: str) -> aiohttp.ClientSession:
        if service not in self._sessions:  # made inside the running loop, as aiohttp requires
            # Idle connections are dropped long before the services' keep-alive ends (75 s), or a request may
            # go out on a connection the server is closing (an error that is the client's doing).
            connector = aiohttp.TCPConnector(limit=self._concurrency, keepalive_timeout=2.0)
            self._sessions[service] = aiohttp.ClientSession(
                self.urls[service], connector=connector, timeout=self._timeout, json_serialize=_dumps
            )
        return self._sessions[service]

    async def caught_up(self) -> None:
        """Return once no call is queued for a slot: every call due so far has been sent."""
        await self._slots.none_waiting()

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()

    async def _pace(self) -> None:
        now = time.monotonic()
        self._next = max(self._next, now)
        slot, self._next = self._next, self._next + 1 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)

    async def call(
        self,
        service: str,
        method: str,
        route: str,
        path: str | None = None,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        record: bool = True,
    ) -> Answer:
        """One call; ``route`` (a template such as ``/api/v1/activities/{id}``) names it in the statistics."""
        due = time.monotonic()
        await self._pace()
        async with self._slots:
            self.in_flight += 1
            sent = time.monotonic()
            try:
                async with self._session(service).request(
                    method, path or route, json=json, params=params, headers=headers
                ) as response:
                    status, label = response.status, str(response.status)
                    data = await response.read()
                    body = orjson.loads(data) if response.content_type.endswith("json") and data else None
            except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
                status, label, body = 0, type(exc).__name__, None
            finally:
                self.in_flight -= 1
            done = time.monotonic()
        if record:
            stats = self.stats[f"{method} {route}"]
            stats.latencies.append(done - sent)
            stats.late.append(sent - due)
            stats.finished.append(done - self.started)
            stats.statuses[label] += 1
            stats.per_second[int(done - self.started)] += 1
        return Answer(status, body)

    def totals(self) -> tuple[int, int]:
        """Calls so far, and those answered 5xx or not at all."""
        calls = failed = 0
        for stats in self.stats.values():
            calls += stats.count
            failed += sum(n for s, n in stats.statuses.items() if not s.isdigit() or s.startswith("5"))
        return calls, failed


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
