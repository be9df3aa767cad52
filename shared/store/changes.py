"""What one command writes, committed together or not at all: :class:`Changes` and its parts.

A recorder (:mod:`.recorder`) writes them; the group-commit writer (:mod:`.writer`) batches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.sql import Executable

from ..bus.message import Message
from ..events import Envelope


@dataclass(frozen=True)
class AggregateAppend:
    """New events of one aggregate, valid only if it is still at ``expected_version`` (0 = new)."""

    aggregate_id: str
    expected_version: int
    events: Sequence[Envelope]


@dataclass(frozen=True)
class Insert:
    """One new row of one of the service's tables."""

    table: Table
    row: Mapping[str, Any]


@dataclass(frozen=True)
class Bulk:
    """One statement run once per parameter set in a single ``executemany`` (e.g. an update of many
    rows by key, with ``bindparam`` values), where a statement per row would be compiled per row."""

    statement: Executable
    rows: Sequence[Mapping[str, Any]]


@dataclass
class Changes:
    """Everything one command writes, committed together or not at all.

    ``messages`` go to the outbox as they are (restricted-topic events, dead letters);
    ``statements`` (updates, deletes, upserts) and ``inserts`` are the service's own table writes.

    A batch runs every change's statements first, in order, then inserts its rows one
    ``executemany`` per table and set of columns (tables in the order they first appear): a batch of
    a thousand registrations costs a handful of round trips, not thousands. So a change's rows may
    follow its own statements (delete the old list, insert the new one), but never rely on another
    change's statements in the same batch; the version check keeps two changes of one aggregate
    out of one batch anyway.
    """

    appends: list[AggregateAppend] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    statements: list[Executable | Bulk] = field(default_factory=list)
    inserts: list[Insert] = field(default_factory=list)
