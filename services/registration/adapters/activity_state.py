"""The one writer of the ``activities`` state row: what each decision, and each review verdict, changes.

Commands write the whole row with the event that changed it (:func:`decision_changes`); the review
outcomes projection writes the verdict columns (:func:`record_verdicts`, guarded by the verdict's sequence); an erasure rewrites the
details without the person (:func:`scrubbed`). Both live here so that the
row has one owner: a command's row carries the review status the domain decided (a changed rejected
activity goes back to ``pending``), a later verdict from the review service overwrites those two
columns only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, Update, bindparam, delete, update

from shared.bus import Message
from shared.events import CATALOG, to_message
from shared.events.payloads.restricted import ScienceWorkersListed
from shared.events.topics import CONTACTS
from shared.observability.logging import correlation_id
from shared.store import AggregateAppend, Changes, Insert

from ..domain.activity import ActivityDetails, Decision
from .activity_rows import DETAILS, activity_row
from .personal_keys import worker_rows
from .tables import activities, science_workers

SOURCE = "/kepuri/registration"


def decision_changes(
    decision: Decision, expected: int, now: datetime, sealed: ScienceWorkersListed | None = None
) -> Changes:
    """The event at the next version, the restricted list (``sealed``) if it changed, and the state row."""
    activity, payload = decision.activity, decision.event
    assert payload is not None
    envelope = CATALOG.envelope(
        payload,
        subject=activity.id,
        sequence=expected + 1,
        source=SOURCE,
        correlationid=correlation_id.get(),
        campaign=activity.campaign_id,
    )
    row = activity_row(activity, now)
    changes = Changes(appends=[AggregateAppend(activity.id, expected, [envelope])])
    if expected == 0:
        changes.inserts.append(Insert(activities, {**row, "registered_at": now}))
    else:
        changes.statements.append(activities.update().where(activities.c.activity_id == activity.id).values(row))
    if decision.workers is not None:
        assert sealed is not None
        changes.messages.append(_restricted(sealed, envelope.sequence, activity.campaign_id))
        if expected != 0:  # a new activity has no list to replace
            changes.statements.append(delete(science_workers).where(science_workers.c.activity_id == activity.id))
        changes.statements.append(worker_rows(decision.workers, sealed))
    return changes


class Verdict(NamedTuple):
    """The review service's last word on an activity: ``approved`` or ``rejected``, why, at which sequence."""

    status: str
    reason: str | None
    sequence: int


def record_verdicts(connection: Connection, verdicts: Mapping[str, Verdict]) -> None:
    """Set each activity's ``review_status`` and ``review_reason`` (activity id -> verdict), in one
    statement for the whole batch; a verdict at or below the row's ``review_version`` (applied
    already, or overtaken by a later one) changes nothing."""
    if not verdicts:
        return
    a = activities
    statement = (
        update(a)
        .where(a.c.activity_id == bindparam("activity"), a.c.review_version < bindparam("sequence"))
        .values(
            review_status=bindparam("verdict"), review_reason=bindparam("why"), review_version=bindparam("sequence")
        )
    )
    connection.execute(
        statement,
        [{"activity": i, "verdict": v.status, "why": v.reason, "sequence": v.sequence} for i, v in verdicts.items()],
    )


def scrubbed(activity_id: str, version: int, details: ActivityDetails) -> Update:
    """The erasure's rewrite of an activity's details without the person, at the version it read (a
    change made meanwhile is found by the erasure's next pass)."""
    return (
        activities.update()
        .where(activities.c.activity_id == activity_id, activities.c.version == version)
        .values(data=DETAILS.dump_json(details).decode())
    )


def _restricted(workers: ScienceWorkersListed, sequence: int, campaign: str) -> Message:
    envelope = CATALOG.envelope(
        workers, subject=workers.activity_id, sequence=sequence, source=SOURCE, campaign=campaign
    )
    return to_message(envelope, CONTACTS.name)
