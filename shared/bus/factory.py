"""Build a bus from its URL: ``embedded:<path>`` for the embedded log, ``kafka://host:port[,host:port]``."""

from __future__ import annotations

import re

from .base import Bus
from .kafka_login import KafkaLogin

_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def bus_from_url(
    url: str,
    *,
    default_partitions: int = 4,
    kafka_idempotence: bool = False,
    fetch_max_wait_ms: int = 100,
    kafka_login: KafkaLogin | None = None,
) -> Bus:
    """The bus a URL names, not yet started.

    ``embedded:///abs/path/bus.db`` (also ``embedded:/abs/path/bus.db``) or ``embedded:relative/bus.db``
    is the embedded log in that SQLite file; ``kafka://host:port[,host2:port2...]`` is a Kafka cluster
    reached through those bootstrap servers. Anything else raises :class:`ValueError` saying what is
    expected. The keyword arguments are the settings of the topics the bus creates on first use and of
    the Kafka clients (``kafka_login``: how every Kafka client logs in, by default not at all); the
    embedded log ignores the Kafka ones.
    """
    if url.startswith("embedded:"):
        from .embedded import EmbeddedLog

        rest = url.removeprefix("embedded:")
        if rest.startswith("//"):
            if not rest.startswith("///"):
                raise ValueError(
                    f"bus URL {url!r} names a host; use embedded:///absolute/path or embedded:relative/path"
                )
            rest = rest[2:]
        if not rest or rest.endswith("/"):
            raise ValueError(f"bus URL {url!r} names no file; use embedded:///absolute/path/bus.db")
        return EmbeddedLog(rest, default_partitions=default_partitions)
    if url.startswith("kafka://"):
        from .kafka import KafkaBus

        servers = url.removeprefix("kafka://").rstrip("/").split(",")
        bad = [s for s in servers if not _HOST_PORT.match(s) or not 0 < int(s.rsplit(":", 1)[1]) < 65536]
        if bad:
            raise ValueError(f"bus URL {url!r}: {', '.join(map(repr, bad))} is not host:port")
        return KafkaBus(
            ",".join(servers),
            default_partitions=default_partitions,
            enable_idempotence=kafka_idempotence,
            fetch_max_wait_ms=fetch_max_wait_ms,
            login=kafka_login,
        )
    raise ValueError(f"unknown bus URL {url!r}: use embedded:///path/to/bus.db or kafka://host:port[,host:port]")
