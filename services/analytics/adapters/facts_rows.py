"""The activity facts' reads and writes, on the consumer's connection (the batch's one transaction).

:class:`~..projections.facts.FactsProjection` decides what each event changes; this is every statement
it needs: rows read once per batch, written back in one ``executemany`` per table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, DateTime, bindparam, delete, select

from shared.store import insert_plain
from shared.store.upsert import upsert

from ..projections.tallies import MEASURES, Key
from .tables import (
    activity_counts,
    activity_facts,
    activity_recommendations,
    activity_targets,
    activity_themes,
    registrations_per_minute,
    unit_recommendations,
)

CHUNK = 1000


def sqlite_datetime(moment: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite DATETIME stores it (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment.year < 1000:  # strftime's %Y does not pad
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.isoformat(" ", "microseconds")


KEY = ("campaign", "dimension", "day", "region_code", "value")
ADD = {m: (lambda excluded, table, m=m: table.c[m] + excluded[m]) for m in MEASURES}
SQLITE_ADD = (
    f"INSERT INTO activity_counts ({', '.join(KEY + MEASURES)}) VALUES ({', '.join('?' * len(KEY + MEASURES))}) "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {', '.join(f'{m} = {m} + excluded.{m}' for m in MEASURES)}"
)
SQLITE_EMPTIED = f"DELETE FROM activity_counts WHERE {' AND '.join(f'{k} = ?' for k in KEY)} AND activities = 0"


class FactsRows:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def rows(self, activity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored rows of these activities (those there are), one query per thousand."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(activity_ids), CHUNK):
            chunk = activity_ids[start : start + CHUNK]
            result = self.connection.execute(select(activity_facts).where(activity_facts.c.activity_id.in_(chunk)))
            for mapping in result.mappings():
                found[mapping["activity_id"]] = dict(mapping)
        return found

    def row(self, activity_id: str) -> dict[str, Any] | None:
        result = self.connection.execute(select(activity_facts).where(activity_facts.c.activity_id == activity_id))
        mapping = result.mappings().first()
        return None if mapping is None else dict(mapping)

    def lists(self, activity_id: str) -> tuple[list[str], list[str]]:
        """The activity's stored themes and target groups, sorted."""
        themes = self.connection.scalars(
            select(activity_themes.c.theme).where(activity_themes.c.activity_id == activity_id)
        )
        targets = self.connection.scalars(
            select(activity_targets.c.target_group).where(activity_targets.c.activity_id == activity_id)
        )
        return sorted(themes), sorted(targets)

    def lists_of(self, activity_ids: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The stored themes and target groups of these activities (sorted; none: empty), one query per
        thousand per table."""
        found: dict[str, tuple[list[str], list[str]]] = {i: ([], []) for i in activity_ids}
        for table, column, index in ((activity_themes, "theme", 0), (activity_targets, "target_group", 1)):
            for start in range(0, len(activity_ids), CHUNK):
                chunk = activity_ids[start : start + CHUNK]
                query = select(table.c.activity_id, table.c[column]).where(table.c.activity_id.in_(chunk))
                for activity_id, value in self.connection.execute(query):
                    found[activity_id][index].append(value)
        for themes, targets in found.values():
            themes.sort()
            targets.sort()
        return found

    def levels_of(self, activity_ids: Sequence[str]) -> dict[str, list[str]]:
        """The levels of these activities' recommendations in force (endorsements included)."""
        r = activity_recommendations
        found: dict[str, list[str]] = {}
        for start in range(0, len(activity_ids), CHUNK):
            chunk = activity_ids[start : start + CHUNK]
            query = select(r.c.activity_id, r.c.level).where(r.c.activity_id.in_(chunk), r.c.withdrawn.is_(False))
            for activity_id, level in self.connection.execute(query):
                found.setdefault(activity_id, []).append(level)
        return found

    def activities_of(self, recommendation_ids: Sequence[str]) -> set[str]:
        """The activities these (activity) recommendations are of."""
        r = activity_recommendations
        query = select(r.c.activity_id).where(r.c.recommendation_id.in_(list(recommendation_ids)))
        return set(self.connection.scalars(query))

    def add_counts(self, differences: Mapping[Key, Sequence[int]]) -> None:
        """Add these differences to the statistics' counters, one upsert for the batch; a counter whose
        activities fall to 0 is deleted, so the table holds exactly what the facts add up to (and a
        replay builds the same rows as the live consumers)."""
        changed = [(key, vector) for key, vector in differences.items() if any(vector)]
        emptied = [key for key, vector in changed if vector[0] < 0]
        if not changed:
            return
        if self.connection.dialect.name == "sqlite":  # the driver's executemany: no per-row processing
            self.connection.exec_driver_sql(SQLITE_ADD, [(*key, *vector) for key, vector in changed])
            if emptied:
                self.connection.exec_driver_sql(SQLITE_EMPTIED, emptied)
            return
        rows = [dict(zip(KEY, key, strict=True)) | dict(zip(MEASURES, vector, strict=True)) for key, vector in changed]
        upsert(self.connection, activity_counts, rows, keys=KEY, update=ADD)
        if emptied:
            k = activity_counts.c
            same = [k[name] == bindparam(f"k_{name}") for name in KEY]
            self.connection.execute(
                delete(activity_counts).where(*same, k.activities == 0),
                [{f"k_{name}": value for name, value in zip(KEY, key, strict=True)} for key in emptied],
            )

    def recommended_activity(self, recommendation_id: str) -> str | None:
        """The activity a stored recommendation is of."""
        r = activity_recommendations
        activity_id: str | None = self.connection.scalar(
            select(r.c.activity_id).where(r.c.recommendation_id == recommendation_id)
        )
        return activity_id

    def levels(self, activity_id: str) -> list[str]:
        """The levels of the activity's recommendations in force."""
        r = activity_recommendations
        return list(
            self.connection.scalars(select(r.c.level).where(r.c.activity_id == activity_id, r.c.withdrawn.is_(False)))
        )

    def put_recommendations(self, rows: Sequence[Mapping[str, Any]]) -> None:
        upsert(self.connection, activity_recommendations, list(rows), keys=("recommendation_id",))

    def put_unit_recommendations(self, rows: Sequence[Mapping[str, Any]]) -> None:
        upsert(self.connection, unit_recommendations, list(rows), keys=("recommendation_id",))

    def withdraw(self, activity_recommendation_ids: Sequence[str], unit_recommendation_ids: Sequence[str]) -> set[str]:
        """Mark these recommendations withdrawn; the activities whose recommendations they were."""
        c, r, u = self.connection, activity_recommendations, unit_recommendations
        ids = list(activity_recommendation_ids)
        touched = set(c.scalars(select(r.c.activity_id).where(r.c.recommendation_id.in_(ids))))
        c.execute(r.update().where(r.c.recommendation_id.in_(ids)).values(withdrawn=True))
        c.execute(u.update().where(u.c.recommendation_id.in_(list(unit_recommendation_ids))).values(withdrawn=True))
        return touched

    def insert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows or self.connection.dialect.name != "sqlite":
            insert_plain(self.connection, activity_facts, list(rows))
            return
        # the driver's executemany with each row's values taken in C; only the datetimes converted
        columns = list(rows[0])
        take = itemgetter(*columns)
        moments = [i for i, name in enumerate(columns) if isinstance(activity_facts.c[name].type, DateTime)]
        values = []
        for row in rows:
            value = list(take(row))
            for i in moments:
                if value[i] is not None:
                    value[i] = sqlite_datetime(value[i])
            values.append(tuple(value))
        names = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join("?" * len(columns))
        self.connection.exec_driver_sql(f"INSERT INTO activity_facts ({names}) VALUES ({marks})", values)

    def update(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write these stored rows back, every column, in one ``executemany``."""
        if not rows:
            return
        f = activity_facts
        columns = [c.name for c in f.columns if c.name != "activity_id"]
        statement = f.update().where(f.c.activity_id == bindparam("key")).values({n: bindparam(n) for n in columns})
        self.connection.execute(statement, [{"key": r["activity_id"], **{n: r[n] for n in columns}} for r in rows])

    def replace_lists(self, lists: Mapping[str, tuple[list[str], list[str]]]) -> None:
        """The themes and target groups of these activities, replacing what was stored."""
        ids = sorted(lists)
        for table, column, index in ((activity_themes, "theme", 0), (activity_targets, "target_group", 1)):
            self.connection.execute(delete(table).where(table.c.activity_id.in_(ids)))
            insert_plain(self.connection, table, [{"activity_id": i, column: v} for i in ids for v in lists[i][index]])

    def add_registrations(self, minutes: Counter[tuple[str, str]]) -> None:
        """Add registrations per (campaign, China-time minute)."""
        rows = [{"campaign": k[0], "minute": k[1], "registrations": n} for k, n in minutes.items()]
        add = {"registrations": lambda excluded, table: table.c.registrations + excluded.registrations}
        upsert(self.connection, registrations_per_minute, rows, keys=("campaign", "minute"), update=add)
