"""How many dashboard streams may be open: in all (``KEPURI_ANALYTICS_DASHBOARD_STREAMS``) and per client
address (``KEPURI_ANALYTICS_DASHBOARD_STREAMS_PER_CLIENT``). Each open stream holds a connection and a
task for as long as the page stays open, so without a bound anyone could hold them all.

A stream takes its slot before the response starts (a refusal is an ordinary problem+json answer:
503 when all are taken, 429 when the address holds its share, both with ``Retry-After``) and gives it
back when it ends, however it ends; giving a slot back twice frees it once.
"""

from __future__ import annotations

from collections import Counter

from ..domain.errors import ClientStreamsFull, StreamsFull

RETRY_AFTER_S = 10


class Slot:
    """One open stream's place; :meth:`release` gives it back (once, however often it is called)."""

    def __init__(self, slots: StreamSlots, client: str) -> None:
        self._slots = slots
        self.client = client
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots._give_back(self.client)


class StreamSlots:
    """Counts the open streams, in all and per client address."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.open = 0
        self._by_client: Counter[str] = Counter()

    def of(self, client: str) -> int:
        """Streams open from ``client``."""
        return self._by_client[client]

    def take(self, client: str) -> Slot:
        """A slot for a new stream from ``client``; refused (try again after ``RETRY_AFTER_S``) when there is none."""
        if self.open >= self.total:
            raise StreamsFull(
                f"All {self.total} dashboard streams are open (KEPURI_ANALYTICS_DASHBOARD_STREAMS); "
                f"try again in {RETRY_AFTER_S} s",
                RETRY_AFTER_S,
            )
        if self._by_client[client] >= self.per_client:
            raise ClientStreamsFull(
                f"This address already has {self.per_client} dashboard streams open "
                f"(KEPURI_ANALYTICS_DASHBOARD_STREAMS_PER_CLIENT): close one, or try again in {RETRY_AFTER_S} s",
                RETRY_AFTER_S,
            )
        self.open += 1
        self._by_client[client] += 1
        return Slot(self, client)

    def _give_back(self, client: str) -> None:
        self.open -= 1
        self._by_client[client] -= 1
        if self._by_client[client] <= 0:
            del self._by_client[client]
