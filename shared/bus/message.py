"""What travels on the bus: messages as written and records as read back."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

Headers = tuple[tuple[str, bytes], ...]


def encode_headers(headers: Headers) -> str:
    """Headers as compact JSON text for storage (an outbox row, an embedded-log record).

    Values are bytes, kept exactly through latin-1. orjson, because every record passes through here.
    """
    return orjson.dumps([(name, value.decode("latin-1")) for name, value in headers]).decode()


def decode_headers(text: str) -> Headers:
    """The inverse of :func:`encode_headers`."""
    return tuple([(name, value.encode("latin-1")) for name, value in orjson.loads(text)])


@dataclass(frozen=True, slots=True)
class Message:
    """A message to publish: ``key`` decides the partition, so one key's messages keep their order."""

    topic: str
    key: bytes | None
    value: bytes
    headers: Headers = ()

    def header(self, name: str) -> bytes | None:
        """The value of the first header called ``name``, or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class TopicPartition:
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Record:
    """A message read back from a partition at an offset."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers
    timestamp_ms: int

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    def header(self, name: str) -> bytes | None:
        """The value of the first header called ``name``, or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None
