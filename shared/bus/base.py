"""The bus port: publish durably, subscribe as a consumer group, commit offsets by hand.

Both backends (:mod:`shared.bus.embedded` and :mod:`shared.bus.kafka`) pass the same contract
suite in ``tests/contract/test_bus.py``. Their guarantees:

* ``publish`` returns only when every message is durably stored (acks=all on Kafka, a synced
  SQLite commit on the embedded log). Messages with the same key land on one partition in the order
  they were given.
* A subscription belongs to a consumer group; the group's partitions are shared among its live
  members. Delivery is at least once: after a crash or a rebalance, records after the last committed
  offset come again, so consumers must be idempotent (see :mod:`shared.consumer`).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from .message import Message, Record, TopicPartition


class BusError(Exception):
    """Base of every error a bus backend raises; the driver's error is kept as ``__cause__``."""


class BusUnavailable(BusError):
    """The broker or log cannot be reached now; retrying later may succeed."""


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int


class Subscription(abc.ABC):
    """One member of a consumer group reading a set of topics."""

    group: str
    topics: tuple[str, ...]

    @abc.abstractmethod
    async def start(self) -> None:
        """Join the group. Records are read from the group's committed offsets, else the earliest."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Leave the group; uncommitted records will be delivered to the next member."""

    @abc.abstractmethod
    async def poll(self, max_records: int = 1000, timeout_ms: int = 100) -> list[Record]:
        """Return up to ``max_records`` records, waiting up to ``timeout_ms`` for the first one."""

    @abc.abstractmethod
    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Commit, for each partition, the offset of the next record the group should read."""

    @abc.abstractmethod
    async def lag(self) -> dict[TopicPartition, int]:
        """Records not yet read by this member, per assigned partition."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


class Bus(abc.ABC):
    """A connection to the event log, shared by a service's publishers and subscriptions."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect. Raises :class:`BusUnavailable` when the log cannot be reached."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Flush and disconnect."""

    @abc.abstractmethod
    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        """Create the topics that do not exist yet with their partition count."""

    @abc.abstractmethod
    async def publish(self, messages: Sequence[Message]) -> None:
        """Store ``messages`` durably, in order per key, before returning."""

    @abc.abstractmethod
    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        """A new, not yet started member of consumer group ``group`` reading ``topics``."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise :class:`BusUnavailable` unless the log answers now (used by ``/readyz``)."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
