"""Review's view of what it judges, built from the streams only: activities with their indicator
figures, units and campaigns.

Activities: one row per activity, guarded by the aggregate's ``version`` against duplicates
(registered, updated, withdrawn, info completed), plus check-ins and ratings from the participation
stream: the runtime's tracking makes a redelivered batch count once, and the ids of the events counted
(``review_counted_events``) make a message the relay published twice count once too. An activity that was rejected and is then
changed comes back to the queue (``review`` = pending), as on the organizer's side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.consumer.once import once_each
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured, UnitRegistered
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded, tally
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.events.topics import ACTIVITIES, CAMPAIGNS, PARTICIPATION, REVIEWS, UNITS

from ..adapters.tables import review_counted
from ..adapters.view_writes import (
    add_tallies,
    back_to_queue,
    known_activities,
    record_verdict,
    upsert_activities,
    upsert_campaigns,
    upsert_units,
)
from .counts import COUNT_COLUMNS, changed_counts, completed_counts, registered_counts, weights_json
from .details import DETAIL_COLUMNS, changed_details, completed_details, registered_details

LIFECYCLE = (ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted)
# the activity's own columns; the review columns belong to review's commands
ACTIVITY_COLUMNS = (
    "campaign",
    "name",
    "organizer_id",
    "organizer_name",
    "region_code",
    "category",
    "joint_action",
    "themes",
    "format",
    "science_workers",
    "registered_at",
    "status",
    "version",
    "info_completed",
    "completeness",
    *DETAIL_COLUMNS,
    *COUNT_COLUMNS,
)
UPDATABLE = {"name", "region_code", "category", "joint_action", "themes", "format", "science_worker_count"}


class ReviewView:
    """Keeps ``review_activities``, ``review_units`` and ``review_campaigns`` in step with the streams."""

    name = "review.activities.v2"
    topics: tuple[str, ...] = (CAMPAIGNS.name, UNITS.name, ACTIVITIES.name, PARTICIPATION.name, REVIEWS.name)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        self._campaigns(connection, [d for d in deliveries if isinstance(d.payload, CampaignConfigured)])
        self._units(connection, [d for d in deliveries if isinstance(d.payload, UnitRegistered)])
        self._activities(connection, [d for d in deliveries if isinstance(d.payload, LIFECYCLE)])
        self._participation(connection, deliveries)
        self._verdicts(
            connection, [d for d in deliveries if isinstance(d.payload, ActivityApproved | ActivityRejected)]
        )

    def _campaigns(self, connection: Connection, configured: list[Delivery]) -> None:
        rows: dict[str, dict[str, Any]] = {}
        for delivery in configured:
            payload = delivery.payload
            assert isinstance(payload, CampaignConfigured)
            rows[payload.campaign_id] = {
                "campaign_id": payload.campaign_id,
                "title": payload.title,
                "chain": json.dumps(payload.settings.get("recommendation"), ensure_ascii=False),
                "recommendation_deadline": (
                    payload.recommendation_deadline.isoformat() if payload.recommendation_deadline else None
                ),
                "indicators": json.dumps(payload.indicators, ensure_ascii=False),
                "indicator_weights": weights_json(payload),
                "version": delivery.envelope.sequence,
                **_summary_step(payload),
            }
        columns = (
            "title",
            "chain",
            "recommendation_deadline",
            "indicators",
            "indicator_weights",
            "version",
            *SUMMARY_COLUMNS,
        )
        upsert_campaigns(connection, list(rows.values()), columns)

    def _units(self, connection: Connection, registered: list[Delivery]) -> None:
        rows = []
        for delivery in registered:
            payload = delivery.payload
            assert isinstance(payload, UnitRegistered)
            rows.append(
                {
                    "unit_id": payload.unit_id,
                    "name": payload.name,
                    "unit_type": payload.unit_type,
                    "region_code": payload.region_code,
                    "version": delivery.envelope.sequence,
                }
            )
        upsert_units(connection, rows)

    def _activities(self, connection: Connection, lifecycle: list[Delivery]) -> None:
        if not lifecycle:
            return
        known = known_activities(connection, {d.envelope.subject for d in lifecycle}, ACTIVITY_COLUMNS)
        changed: set[str] = set()
        revised: set[str] = set()
        for delivery in lifecycle:
            subject, sequence = delivery.envelope.subject, delivery.envelope.sequence
            row = known.get(subject)
            if row is not None and sequence <= row["version"]:
                continue
            folded = _fold(row, delivery)
            if folded is not None:
                known[subject] = {**folded, "version": sequence}
                changed.add(subject)
                if isinstance(delivery.payload, ActivityUpdated):
                    revised.add(subject)
        upsert_activities(connection, [_new_row(known[i]) for i in sorted(changed)], ACTIVITY_COLUMNS)
        if revised:  # changed after a rejection: back to the queue
            back_to_queue(connection, revised)

    def _verdicts(self, connection: Connection, verdicts: list[Delivery]) -> None:
        """Review's own verdicts, read back from the stream: the commands already wrote them, so this only
        matters when the view is rebuilt (it never goes back: guarded by ``review_version``)."""
        for verdict in (_verdict_of(d) for d in verdicts):
            record_verdict(
                connection, verdict["activity"], verdict["sequence"], verdict["verdict"], verdict["why"], verdict["by"]
            )

    def _participation(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        facts = [d for d in deliveries if isinstance(d.payload, ParticipationRecorded | FeedbackSubmitted)]
        tallies = tally(d.payload for d in once_each(connection, review_counted, facts))
        for activity_id, (check_ins, ratings, rating_sum) in sorted(tallies.items()):
            add_tallies(connection, activity_id, check_ins, ratings, rating_sum)


def _verdict_of(delivery: Delivery) -> dict[str, Any]:
    payload = delivery.payload
    assert isinstance(payload, ActivityApproved | ActivityRejected)
    rejected = isinstance(payload, ActivityRejected)
    return {
        "activity": payload.activity_id,
        "verdict": "rejected" if rejected else "approved",
        "why": payload.reason if isinstance(payload, ActivityRejected) else None,
        "by": payload.reviewer_body,
        "sequence": delivery.envelope.sequence,
    }


def _fold(row: dict[str, Any] | None, delivery: Delivery) -> dict[str, Any] | None:
    """The row after one lifecycle event; None when there is nothing to act on."""
    payload, envelope = delivery.payload, delivery.envelope
    if isinstance(payload, ActivityRegistered):
        return {
            "activity_id": envelope.subject,
            "campaign": payload.campaign_id or "",
            "name": payload.name,
            "organizer_id": payload.organizer_id,
            "organizer_name": payload.organizer_name,
            "region_code": payload.region_code,
            "category": payload.category,
            "joint_action": payload.joint_action,
            "themes": json.dumps(payload.themes, ensure_ascii=False),
            "format": payload.format,
            "science_workers": payload.science_worker_count,
            "registered_at": envelope.time.astimezone(UTC),
            "status": "registered",
            "info_completed": False,
            "completeness": 0.0,
            **registered_details(payload),
            **registered_counts(payload),
        }
    if row is None:
        return None  # a change to an activity whose registration this view has not seen
    if isinstance(payload, ActivityWithdrawn):
        return {**row, "status": "withdrawn"}
    if isinstance(payload, InfoCompleted):
        return {
            **row,
            "info_completed": True,
            "completeness": payload.completeness,
            **completed_counts(payload),
            **completed_details(payload),
        }
    assert isinstance(payload, ActivityUpdated)
    changes = {k: v for k, v in payload.changes.items() if k in UPDATABLE}
    updated = {**row, **{k: v for k, v in changes.items() if k != "science_worker_count" and k != "themes"}}
    if "themes" in changes:
        updated["themes"] = json.dumps(changes["themes"], ensure_ascii=False)
    if "science_worker_count" in changes:
        updated["science_workers"] = changes["science_worker_count"]
    updated.update(changed_counts(payload.changes))
    return {**updated, **changed_details(payload.changes)}


def _new_row(row: dict[str, Any]) -> dict[str, Any]:
    """A full row for the upsert (rows of one statement carry the same columns): the review columns'
    starting values for an activity seen first, and no detail yet that its events have not carried."""
    empty = dict.fromkeys(DETAIL_COLUMNS)
    return {**empty, "check_ins": 0, "ratings": 0, "rating_sum": 0, "review": "pending", "review_version": 0, **row}


SUMMARY_COLUMNS = ("summary_reporters", "summary_deadline")


def _summary_step(payload: CampaignConfigured) -> dict[str, Any]:
    """The campaign's summary step (工作总结): its kinds of reporter and its deadline."""
    summary = payload.settings.get("summary") or {}
    reporters = summary.get("reporters") if isinstance(summary, dict) else None
    return {
        "summary_reporters": json.dumps(reporters, ensure_ascii=False) if reporters else None,
        "summary_deadline": payload.summary_deadline.isoformat() if payload.summary_deadline else None,
    }
