"""The activity facts: one row per activity with its dimensions, state and tallies.

Reads the activities stream (registration, changes, withdrawal, info completion: applied in the
activity's own order, each once by its sequence), the reviews stream (verdicts, recommendations and
their withdrawal, commendations) and the participation stream (check-ins, feedback). Review and
participation events are facts without versions: each is counted once by its event id
(:mod:`.counted`), so an event the relay published twice is not counted twice. A batch reads the
rows it touches once, changes them in memory and writes them back in one ``executemany`` per table.

The statistics' counters (``activity_counts``, :mod:`.tallies`) change in the same transaction: for
each activity the batch changed, what its row added to them before the batch is taken away and what
it adds after is added, summed over the batch in memory and written in one upsert.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.consumer.once import first_time
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.events.payloads.reviews import (
    ActivityApproved,
    ActivityRejected,
    Commended,
    RecommendationEndorsed,
    RecommendationWithdrawn,
    Recommended,
    UnitRecommended,
)
from shared.events.topics import ACTIVITIES, PARTICIPATION, REVIEWS

from ..adapters.facts_rows import FactsRows
from ..adapters.tables import counted_events
from .dimensions import china_minute, placeholder, registered_row, updated_values
from .tallies import Differences, contributions

LEVEL_RANK = {"county": 1, "city": 2, "province": 3, "national": 4}
VERSIONED = (ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted)
COUNTED = (
    ActivityApproved,
    ActivityRejected,
    Recommended,
    RecommendationEndorsed,
    RecommendationWithdrawn,
    UnitRecommended,
    Commended,
    ParticipationRecorded,
    FeedbackSubmitted,
)

# events that change one activity's row, named by its activity_id
ON_A_ROW = (*VERSIONED, ActivityApproved, ActivityRejected, ParticipationRecorded, FeedbackSubmitted)


class FactsProjection:
    """Keeps ``activity_facts`` (with themes, target groups, per-minute registrations and the
    recommendations that decide each activity's level) from the activities, reviews and
    participation streams."""

    name = "analytics.facts"
    topics: tuple[str, ...] = (ACTIVITIES.name, REVIEWS.name, PARTICIPATION.name)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        relevant = [d for d in deliveries if isinstance(d.payload, VERSIONED + COUNTED)]
        if not relevant:
            return
        counted = first_time(connection, counted_events, [d for d in relevant if isinstance(d.payload, COUNTED)])
        batch = _Batch(FactsRows(connection))
        batch.prefetch({_activity_of(d.payload) for d in relevant} - {None})
        for delivery in relevant:
            payload = delivery.payload
            if isinstance(payload, VERSIONED):
                batch.versioned(delivery)
            elif delivery.envelope.id in counted:
                counted.discard(delivery.envelope.id)  # a second copy in the same batch counts nothing
                batch.counted(delivery)
        batch.write()


class _Batch:
    """The rows one batch touches, read once and written back once."""

    def __init__(self, stored: FactsRows) -> None:
        self.stored = stored
        self.rows: dict[str, dict[str, Any]] = {}
        self.before: dict[str, dict[str, Any]] = {}  # the stored rows as the batch found them
        self.new: set[str] = set()
        self.changed: set[str] = set()
        self.lists: dict[str, tuple[list[str], list[str]]] = {}  # activity → (themes, target groups)
        self.minutes: Counter[tuple[str, str]] = Counter()
        self.recommendations: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.withdrawn_recommendations: list[str] = []
        self.levels_touched: set[str] = set()

    def prefetch(self, activity_ids: set[str | None]) -> None:
        """Read the rows of these activities in one query per thousand (placeholders for unknown ones)."""
        ids = sorted(i for i in activity_ids if i is not None)
        found = self.stored.rows(ids)
        self.rows.update(found)
        self.before.update((i, dict(row)) for i, row in found.items())
        for activity_id in ids:
            if activity_id not in self.rows:
                self.rows[activity_id] = placeholder(activity_id)
                self.new.add(activity_id)

    def row(self, activity_id: str) -> dict[str, Any]:
        """The activity's row (read from the database once per batch; a placeholder if unknown)."""
        row = self.rows.get(activity_id)
        if row is None:
            row = self.stored.row(activity_id)
            if row is None:
                row = placeholder(activity_id)
                self.new.add(activity_id)
            else:
                self.before[activity_id] = dict(row)
            self.rows[activity_id] = row
        return row

    # --- the activity's own stream ---------------------------------------------------------------

    def versioned(self, delivery: Delivery) -> None:
        payload, sequence = delivery.payload, delivery.envelope.sequence
        assert isinstance(payload, VERSIONED)
        row = self.row(payload.activity_id)
        if sequence <= row["version"]:
            return  # applied before (a redelivery, or a duplicate publish)
        if isinstance(payload, ActivityRegistered):
            row.update(registered_row(payload))
            self.lists[payload.activity_id] = (sorted(set(payload.themes)), sorted(set(payload.target_groups)))
            self.minutes[(row["campaign"], china_minute(delivery.envelope.time))] += 1
            row["registered_at"] = delivery.envelope.time
        elif isinstance(payload, ActivityUpdated):
            values, themes, targets = updated_values(payload.changes)
            row.update(values)
            if themes is not None or targets is not None:
                old = self.lists.get(payload.activity_id) or self.stored.lists(payload.activity_id)
                self.lists[payload.activity_id] = (
                    themes if themes is not None else old[0],
                    targets if targets is not None else old[1],
                )
        elif isinstance(payload, ActivityWithdrawn):
            row["withdrawn"] = True
        elif isinstance(payload, InfoCompleted):
            row["info_completed"] = True
            if payload.actual_participants is not None:
                row["actual_participants"] = payload.actual_participants
        row["version"] = sequence
        self.changed.add(payload.activity_id)

    # --- facts of other streams, each counted once -----------------------------------------------

    def counted(self, delivery: Delivery) -> None:
        payload = delivery.payload
        if isinstance(payload, ParticipationRecorded):
            self._tally(payload.activity_id, checkins=1)
        elif isinstance(payload, FeedbackSubmitted):
            self._tally(payload.activity_id, feedback=1, rating_sum=payload.rating)
        elif isinstance(payload, ActivityApproved | ActivityRejected):
            row = self.row(payload.activity_id)
            row["review"] = "approved" if isinstance(payload, ActivityApproved) else "rejected"
            self.changed.add(payload.activity_id)
        elif isinstance(payload, Recommended):
            self.recommendations.append(
                {"recommendation_id": payload.recommendation_id, "activity_id": payload.activity_id}
                | {"level": payload.to_level, "withdrawn": False}
            )
            self.levels_touched.add(payload.activity_id)
        elif isinstance(payload, RecommendationEndorsed) and payload.subject == "activity":
            self._endorsed(payload)
        elif isinstance(payload, UnitRecommended):
            campaign = payload.campaign_id or delivery.envelope.campaign or ""
            self.units.append(
                {"recommendation_id": payload.recommendation_id, "campaign": campaign, "unit_id": payload.unit_id}
                | {"level": payload.to_level, "withdrawn": False}
            )
        elif isinstance(payload, RecommendationWithdrawn):
            self.withdrawn_recommendations.append(payload.recommendation_id)
        elif isinstance(payload, Commended) and payload.subject == "activity":
            self.row(payload.subject_id)["commended"] = True
            self.changed.add(payload.subject_id)

    def _tally(self, activity_id: str, **increments: int) -> None:
        row = self.row(activity_id)
        for column, n in increments.items():
            row[column] += n
        self.changed.add(activity_id)

    def _endorsed(self, payload: RecommendationEndorsed) -> None:
        known = self.stored.recommended_activity(payload.recommendation_id)
        pending = next((x for x in self.recommendations if x["recommendation_id"] == payload.recommendation_id), None)
        activity_id = known or (pending["activity_id"] if pending else None)
        if activity_id is None:
            return  # an endorsement of a recommendation never seen: nothing to place it on
        endorsement = f"{payload.recommendation_id}:endorsed"
        self.recommendations.append(
            {"recommendation_id": endorsement, "activity_id": activity_id, "level": payload.level, "withdrawn": False}
        )
        self.levels_touched.add(activity_id)

    # --- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        affected = set(self.levels_touched)  # activities whose recommendations in force change
        withdrawn = self.withdrawn_recommendations + [f"{i}:endorsed" for i in self.withdrawn_recommendations]
        if withdrawn:
            affected |= self.stored.activities_of(withdrawn)
        for activity_id in affected:
            self.row(activity_id)
        stored = sorted((self.changed | affected) - self.new)
        lists_before = self.stored.lists_of(stored)
        levels_before = self.stored.levels_of(stored)
        if self.recommendations:
            self.stored.put_recommendations(self.recommendations)
        if self.units:
            self.stored.put_unit_recommendations(self.units)
        if withdrawn:
            self.stored.withdraw(withdrawn, self.withdrawn_recommendations)
        levels_after = dict(levels_before)
        fresh = self.stored.levels_of(sorted(affected)) if affected else {}
        for activity_id in affected:
            levels = levels_after[activity_id] = fresh.get(activity_id, [])
            self.row(activity_id)["level"] = max(levels, key=LEVEL_RANK.__getitem__, default=None)
            self.changed.add(activity_id)
        self._write_rows()
        self._write_lists()
        if self.minutes:
            self.stored.add_registrations(self.minutes)
        self._count(lists_before, levels_before, levels_after)

    def _count(
        self,
        lists_before: dict[str, tuple[list[str], list[str]]],
        levels_before: dict[str, list[str]],
        levels_after: dict[str, list[str]],
    ) -> None:
        """Add to the counters what each changed activity adds now less what it added before."""
        none: tuple[list[str], list[str]] = ([], [])
        differences = Differences()
        for activity_id in self.changed:
            old_lists = lists_before.get(activity_id, none)
            old = contributions(self.before.get(activity_id), *old_lists, levels_before.get(activity_id, ()))
            new_lists = self.lists.get(activity_id) or old_lists
            new = contributions(self.rows[activity_id], *new_lists, levels_after.get(activity_id, ()))
            if old != new:
                differences.add(old, -1)
                differences.add(new, 1)
        if differences.members:
            self.stored.add_counts(differences.totals())

    def _write_rows(self) -> None:
        self.stored.insert([self.rows[i] for i in sorted(self.new & self.changed)])
        self.stored.update([self.rows[i] for i in sorted(self.changed - self.new)])

    def _write_lists(self) -> None:
        if self.lists:
            self.stored.replace_lists(self.lists)


def _activity_of(payload: Any) -> str | None:
    """The activity an event changes the row of (None for units and endorsements)."""
    if isinstance(payload, Commended):
        return payload.subject_id if payload.subject == "activity" else None
    if isinstance(payload, (*ON_A_ROW, Recommended)):
        return str(payload.activity_id)
    return None
