"""SQLite's search-index rowids (``doc_id``) in listing order: start time, then activity id.

FTS5 answers a MATCH in rowid order and can start from a rowid, so when ``doc_id`` follows the
order the directory lists in, a search's page is the first matches FTS5 finds: a word in half of
all activities costs no more than a rare one, and nothing is counted or sorted.

A ``doc_id`` is ``minute << 35 | slot``: the minute the activity starts (counted from 2000, clamped
to 2000–2510: outside, one minute's range holds them all, still in order), then a slot among the
activities that start in that minute, in (start, id) order. A newcomer takes a slot between its
neighbours (the rows just before and after it, found in ``ix_directory_starts``); newcomers between
the same two neighbours are spread evenly over the gap; past the last (or before the first) row of
a minute they land :data:`STEP` slots apart. When a gap has no room left (after about 23 halvings
of one gap), the whole minute is renumbered evenly, the documents of its rows moved with them.
An activity whose start changes takes a new slot. Rows without a listing are not in the index and
take a negative number from a hash of their id (``rows.stub_doc_id``).

Only SQLite numbers rows this way; PostgreSQL keeps hash numbers (its index is the tsvector).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, bindparam, literal_column, select, text, update

from ..adapters.tables import DIRECTORY_SEARCH, directory_activities
from . import index
from .listing import Listing
from .rows import Entry, stub_doc_id, utc

SLOT_BITS = 35
SPAN = 1 << SLOT_BITS
MINUTES = 1 << 28  # 2000 to 2510
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
STEP = 1 << 23  # between newcomers past the end of a minute's rows: 4,096 of them fill it
# Rows being renumbered pass through TEMPORARY - rowid, below every stub number (-2⁶¹ to -1).
_TEMPORARY: ColumnElement[int] = literal_column(f"{-(1 << 62)} - rowid", Integer)
_CHUNK = 250  # newcomers per neighbour query (2 parameters each)

t = directory_activities
Key = tuple[datetime, str]


def minute_of(starts_at: datetime) -> int:
    """The minute (since 2000, clamped) whose ``doc_id`` range an activity starting then takes."""
    since = utc(starts_at) - EPOCH
    return min(max(since.days * 1440 + since.seconds // 60, 0), MINUTES - 1)


def key_of(entry: Entry) -> Key:
    assert entry.listing is not None
    return utc(entry.listing.starts_at), entry.activity_id


def needs_place(entry: Entry) -> bool:
    """A listing not numbered yet (new, or only counted so far), or one whose start changed."""
    if entry.listing is None:
        return False
    return entry.indexed is None or utc(entry.indexed.starts_at) != utc(entry.listing.starts_at)


def spread(low: int | None, high: int | None, count: int, minute: int) -> list[int] | None:
    """``count`` increasing slots strictly between the neighbours ``low`` and ``high`` (None: no
    neighbour on that side in this minute), or None when the gap is too narrow."""
    first, end = minute << SLOT_BITS, (minute + 1) << SLOT_BITS
    width = (count + 1) * STEP
    if low is None:
        low = max(first - 1, (high if high is not None else first + SPAN // 2 + width // 2) - width)
    if high is None:
        high = min(end, low + width)
    if high - low - 1 < count:
        return None
    return [low + (high - low) * (i + 1) // (count + 1) for i in range(count)]


def evenly(count: int, minute: int) -> list[int]:
    """``count`` slots spread over a minute's range, centred, at most :data:`STEP` apart."""
    step = min(STEP, SPAN // (count + 1))
    first = (minute << SLOT_BITS) + (SPAN - step * (count - 1)) // 2
    return [first + i * step for i in range(count)]


@dataclass
class _Run:
    """Newcomers of one minute between the same two neighbours."""

    minute: int
    low: int | None
    high: int | None
    entries: list[Entry]


def place(connection: Connection, batch: Sequence[Entry]) -> None:
    """Give each entry of the batch that needs one its ``doc_id`` in listing order (SQLite only).

    ``batch`` holds the batch's changed activities; rows of other activities move only when their
    minute is renumbered (then their ``doc_id`` and documents are rewritten here).
    """
    newcomers = sorted((e for e in batch if needs_place(e)), key=key_of)
    runs: list[_Run] = []
    for start in range(0, len(newcomers), _CHUNK):
        chunk = newcomers[start : start + _CHUNK]
        for entry, (before, after) in zip(chunk, _neighbours(connection, chunk), strict=True):
            minute = minute_of(key_of(entry)[0])
            low = before if before is not None and before >> SLOT_BITS == minute else None
            high = after if after is not None and after >> SLOT_BITS == minute else None
            if runs and (runs[-1].minute, runs[-1].low, runs[-1].high) == (minute, low, high):
                runs[-1].entries.append(entry)
            else:
                runs.append(_Run(minute, low, high, [entry]))
    crowded: set[int] = set()
    for run in runs:
        slots = spread(run.low, run.high, len(run.entries), run.minute)
        if slots is None:
            crowded.add(run.minute)
        else:
            for entry, slot in zip(run.entries, slots, strict=True):
                entry.doc_id = slot
    for minute in sorted(crowded):
        _renumber(connection, minute, batch, [e for e in newcomers if minute_of(key_of(e)[0]) == minute])


def _neighbour(public: int, before: bool) -> str:
    op, way = ("<", "DESC") if before else (">", "ASC")
    return (
        f"(SELECT doc_id FROM {t.name} WHERE public = {public} AND (starts_at, activity_id) {op} (k.s, k.a)"
        f" ORDER BY starts_at {way}, activity_id {way} LIMIT 1)"
    )


_NEIGHBOURS = ", ".join(_neighbour(public, before) for before in (True, False) for public in (0, 1))


def _neighbours(connection: Connection, newcomers: list[Entry]) -> list[tuple[int | None, int | None]]:
    """The ``doc_id`` of the rows just before and just after each newcomer, public or not (its own
    row too, where it moves: that row still stands in order where it is)."""
    values = ", ".join(f"({i}, :s{i}, :a{i})" for i in range(len(newcomers)))
    statement = text(f"WITH k(i, s, a) AS (VALUES {values}) SELECT i, {_NEIGHBOURS} FROM k ORDER BY i")
    statement = statement.bindparams(*(bindparam(f"s{i}", type_=t.c.starts_at.type) for i in range(len(newcomers))))
    params: dict[str, Any] = {}
    for i, entry in enumerate(newcomers):
        params[f"s{i}"], params[f"a{i}"] = key_of(entry)
    found = []
    for _, *numbers in connection.execute(statement, params).all():
        before, after = [n for n in numbers[:2] if n is not None], [n for n in numbers[2:] if n is not None]
        found.append((max(before) if before else None, min(after) if after else None))
    return found


def _renumber(connection: Connection, minute: int, batch: Sequence[Entry], newcomers: list[Entry]) -> None:
    """Spread a minute's rows and newcomers evenly over its range; the documents of its rows move."""
    first, end = minute << SLOT_BITS, (minute + 1) << SLOT_BITS
    query = select(t.c.activity_id, t.c.starts_at, t.c.doc_id, t.c.data, t.c.campaign_id)
    rows = connection.execute(query.where(t.c.doc_id >= first, t.c.doc_id < end)).all()
    changing = {e.activity_id: e for e in batch}
    members: list[tuple[Key, Any]] = [(key_of(e), e) for e in newcomers]
    for row in rows:
        entry = changing.get(row.activity_id)
        if entry is None or not needs_place(entry):  # a row that moves away is left out
            members.append(((_stored(row.starts_at), row.activity_id), entry or row))
    members.sort(key=lambda member: member[0])
    connection.execute(update(t).where(t.c.doc_id >= first, t.c.doc_id < end).values(doc_id=_TEMPORARY))
    moved, removed, added = [], [], []
    for (_, member), slot in zip(members, evenly(len(members), minute), strict=True):
        if isinstance(member, Entry):
            member.doc_id = slot  # the batch writes its row and moves its document
            continue
        moved.append({"id": member.activity_id, "slot": slot})
        tokens = index.document(Listing.model_validate_json(member.data), member.campaign_id)
        removed.append(index.Document(member.doc_id, tokens))
        added.append(index.Document(slot, tokens))
    if moved:
        renumber = update(t).where(t.c.activity_id == bindparam("id")).values(doc_id=bindparam("slot"))
        connection.execute(renumber, moved)
    index.write(connection, removed, added)


def rebuild(connection: Connection, chunk: int = 2000) -> None:
    """Number every row in listing order and fill the search index again (SQLite; for migrations).

    For a change of the numbering or of the documents: the view's rows stay as they are.
    """
    connection.exec_driver_sql(f"INSERT INTO {DIRECTORY_SEARCH}({DIRECTORY_SEARCH}) VALUES ('delete-all')")
    connection.execute(update(t).values(doc_id=_TEMPORARY))
    rows = connection.execute(select(t.c.activity_id, t.c.starts_at, t.c.data.is_not(None).label("listed"))).all()
    numbers = {r.activity_id: stub_doc_id(r.activity_id) for r in rows if not r.listed}
    for minute, ids in _by_minute(sorted((_stored(r.starts_at), r.activity_id) for r in rows if r.listed)):
        numbers.update(zip(ids, evenly(len(ids), minute), strict=True))
    renumber = update(t).where(t.c.activity_id == bindparam("id")).values(doc_id=bindparam("number"))
    items = [{"id": i, "number": n} for i, n in numbers.items()]
    for start in range(0, len(items), chunk):
        connection.execute(renumber, items[start : start + chunk])
    query = select(t.c.activity_id, t.c.doc_id, t.c.data, t.c.campaign_id).where(t.c.data.is_not(None))
    last = ""
    while page := connection.execute(query.where(t.c.activity_id > last).order_by(t.c.activity_id).limit(chunk)).all():
        documents = [
            {"rowid": r.doc_id, "tokens": index.document(Listing.model_validate_json(r.data), r.campaign_id)}
            for r in page
        ]
        connection.execute(text(index.INSERT), documents)
        last = page[-1].activity_id


def _stored(moment: datetime) -> datetime:
    """A start as the database returns it (SQLite: UTC without an offset)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _by_minute(keys: list[Key]) -> Iterator[tuple[int, list[str]]]:
    """Sorted keys in runs of one minute: (minute, their ids)."""
    minute, ids = -1, list[str]()
    for starts_at, activity_id in keys:
        if (current := minute_of(starts_at)) != minute and ids:
            yield minute, ids
            ids = []
        minute = current
        ids.append(activity_id)
    if ids:
        yield minute, ids
