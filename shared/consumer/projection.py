"""What a view is to the consumer runtime: a named group of topics and a batch ``apply``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

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


@runtime_checkable
class Preparing(Protocol):
    """A view that must fetch something outside its database before it applies a batch.

    The runtime awaits ``prepare`` with the batch's fresh-or-not deliveries before it opens the
    transaction; ``apply`` then reads what ``prepare`` fetched. Notification fetches the keys of
    the sealed contacts in a batch this way (see :mod:`shared.privacy.vault`). ``prepare`` raising
    :class:`~shared.store.StoreUnavailable` (the vault out of reach) is retried with backoff, as the
    transaction is; it must therefore be safe to call again.
    """

    async def prepare(self, deliveries: Sequence[Delivery]) -> None: ...


@runtime_checkable
class Committing(Protocol):
    """A view with work to do after a batch's transaction has committed, outside it.

    The runtime awaits ``committed`` with the view's engine once each batch it applied is committed.
    Notification folds SQLite's write-ahead log away after a batch that forgot an erased person, so
    no page image from before stays on disk (see ``services/notification/adapters/erasure.py``).
    """

    async def committed(self, engine: AsyncEngine) -> None: ...
