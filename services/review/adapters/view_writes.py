"""The writes of review's view (``projections/review_view.py``): campaigns, units and activities from the
streams, each guarded against going back (a version, or ``review_version`` for the verdicts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, case, select

from shared.store.upsert import upsert

from .tables import review_activities, review_campaigns, review_units


def upsert_campaigns(connection: Connection, rows: Sequence[dict[str, Any]], columns: Iterable[str]) -> None:
    """Insert or update the campaigns' rows; a column takes the incoming value only from a newer configuration."""
    update = {name: _if_newer(name) for name in columns}
    upsert(connection, review_campaigns, list(rows), keys=("campaign_id",), update=update)


def upsert_units(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    upsert(connection, review_units, list(rows), keys=("unit_id",))


def known_activities(connection: Connection, ids: Iterable[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The view's rows of those of ``ids`` it holds (``columns`` and the id), by id."""
    t = review_activities
    query = select(t.c.activity_id, *(t.c[c] for c in columns)).where(t.c.activity_id.in_(set(ids)))
    return {row.activity_id: dict(row._mapping) for row in connection.execute(query)}


def upsert_activities(connection: Connection, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    upsert(connection, review_activities, list(rows), keys=("activity_id",), update=dict.fromkeys(columns))


def back_to_queue(connection: Connection, revised: Iterable[str]) -> None:
    """Rejected activities changed by their organizer are pending again (a conditional write, never a stale one)."""
    t = review_activities
    connection.execute(
        t.update().where(t.c.activity_id.in_(set(revised)), t.c.review == "rejected").values(review="pending")
    )


def record_verdict(connection: Connection, activity_id: str, sequence: int, verdict: str, why: Any, by: Any) -> None:
    """A verdict read back from the stream, unless the row already holds it or a later one."""
    t = review_activities
    connection.execute(
        t.update()
        .where(t.c.activity_id == activity_id, t.c.review_version < sequence)
        .values(review=verdict, review_reason=why, reviewed_by=by, review_version=sequence)
    )


def add_tallies(connection: Connection, activity_id: str, check_ins: int, ratings: int, rating_sum: int) -> None:
    t = review_activities
    connection.execute(
        t.update()
        .where(t.c.activity_id == activity_id)
        .values(
            check_ins=t.c.check_ins + check_ins, ratings=t.c.ratings + ratings, rating_sum=t.c.rating_sum + rating_sum
        )
    )


def _if_newer(column: str) -> object:
    """Take the incoming value only from a newer configuration (a redelivery never goes back)."""
    return lambda excluded, table: case(
        (excluded["version"] > table.c.version, excluded[column]), else_=table.c[column]
    )
