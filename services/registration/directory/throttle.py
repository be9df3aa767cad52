"""Rate limits for the anonymous public: a token bucket per client address, in memory.

Each client may send ``burst`` requests at once and then ``per_minute`` a minute. In memory and per
process: a replica limits its own share, which is what protects it; a client spread over replicas
by the load balancer gets at most the limit times the replica count. A venue's Wi-Fi puts many
visitors behind one address, so the defaults (settings.py) leave room for a school class.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    """Per-client token buckets; ``take`` spends a token or says how long until one is there."""

    def __init__(
        self,
        burst: int,
        per_minute: float,
        *,
        max_clients: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = float(burst)
        self._rate = per_minute / 60.0
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, when counted)

    def take(self, client: str) -> int | None:
        """Spend one of ``client``'s tokens: None when allowed, else whole seconds to wait."""
        now = self._clock()
        tokens, counted = self._buckets.get(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - counted) * self._rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._rate))
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > self._max_clients:
            self._forget_idle(now)
        return None

    def wait(self, client: str) -> int | None:
        """Whole seconds until ``client`` has a token (None: it has one now); spends nothing."""
        now = self._clock()
        tokens, counted = self._buckets.get(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - counted) * self._rate)
        return None if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self._rate))

    def give_back(self, client: str) -> None:
        """Return a token taken for ``client`` (its attempt turned out not to count)."""
        if client in self._buckets:
            tokens, counted = self._buckets[client]
            self._buckets[client] = (min(self._burst, tokens + 1.0), counted)

    def __len__(self) -> int:
        """How many clients are tracked (bounded by ``max_clients``)."""
        return len(self._buckets)

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled (their clients start full anyway)."""
        self._buckets = {
            client: (tokens, counted)
            for client, (tokens, counted) in self._buckets.items()
            if tokens + (now - counted) * self._rate < self._burst
        }
        if len(self._buckets) > self._max_clients:  # a flood of addresses: start afresh rather than grow
            self._buckets.clear()
