"""The statistics' counters recounted from the facts: what ``activity_counts`` must hold.

The migration that adds the counters fills them with this (so the statistics answer as before at once,
without a replay); the tests compare the counters the projection keeps with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from ..projections.tallies import Differences, Key, contributions
from .facts_rows import CHUNK, FactsRows
from .tables import activity_counts, activity_facts


def recount(connection: Connection) -> dict[Key, list[int]]:
    """The counters as the facts rows (with their themes, target groups and recommendations) add up,
    zero rows left out."""
    f, rows = activity_facts, FactsRows(connection)
    query = select(f).where(f.c.version > 0, f.c.withdrawn.is_(False)).order_by(f.c.activity_id)
    counts = Differences()
    chunk: list[dict[str, object]] = []

    def flush() -> None:
        ids = [str(r["activity_id"]) for r in chunk]
        lists, levels = rows.lists_of(ids), rows.levels_of(ids)
        for row, activity_id in zip(chunk, ids, strict=True):
            counts.add(contributions(row, *lists[activity_id], levels.get(activity_id, ())))
        chunk.clear()

    for mapping in connection.execute(query).mappings().all():
        chunk.append(dict(mapping))
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    return {key: vector for key, vector in counts.totals().items() if any(vector)}


def fill(connection: Connection) -> int:
    """Replace the counters with a recount of the facts; the number of counter rows."""
    counts = recount(connection)
    connection.execute(delete(activity_counts))
    FactsRows(connection).add_counts(counts)
    return len(counts)
