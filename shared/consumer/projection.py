"""What a view is to the consumer runtime: a named group of topics and a batch ``apply``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from ..bus import Record
from ..events import Envelope, EventPayload


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event as a view receives it: where it was read, its envelope and its upcast payload."""

    record: Record
    envelope: Envelope
    payload: EventPayload


class Projection(Protocol):
    """A view built from the streams.

    ``apply`` writes the effect of a batch through ``connection`` inside the runtime's transaction
    and must not commit. It may see an event again only if the upstream relay published it twice;
    views guard against that by the aggregate's ``sequence`` where it matters.
    """

    name: str
    topics: tuple[str, ...]

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None: ...
