"""The one shape of a planner: a projection that keeps what it needs of the streams and reserves
messages in the ledger (texts from the :class:`~..service.ports.Texts` port), then sets the wake-up
signal so that the dispatcher sends them at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from ..adapters.reservations import reserve
from ..service.ports import Clock, Texts, utc_now


class MessagePlanner:
    def __init__(self, texts: Texts, on_reserved: Callable[[], None] | None = None, clock: Clock = utc_now) -> None:
        self._texts = texts
        self._on_reserved = on_reserved
        self._clock = clock

    def _reserve(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Reserve the rows not reserved yet; wake the dispatcher when there were any."""
        if reserve(connection, rows) and self._on_reserved is not None:
            self._on_reserved()
