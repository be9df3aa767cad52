"""Content review (内容审核): the queue of registered activities a body judges, and its verdicts.

A reviewing body sees and judges only activities inside its jurisdiction: a regional body those
whose region code starts with its own (the national organisers: all), a national society those in
its field (the activity's category, joint action or one of its themes). Each verdict is an event of
the activity's review aggregate in review's own event store (subject = the activity id, sequence =
that aggregate's version: 1, 2, …), written with the review columns of ``review_activities`` as one
:class:`~shared.store.Changes`; the expected version is the event store's, so two verdicts racing
on one activity never both land (the loser reads again and hears the rule it now breaks).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from shared.auth import Principal
from shared.events import CATALOG, EventPayload
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.observability.logging import correlation_id
from shared.store import Changes, ConcurrencyError
from shared.web.dates import moment_of

from ..adapters.content_reads import verdict_changes
from ..adapters.reads import fields_of
from ..domain.bodies import Body, body_of
from ..domain.errors import BulkRefused, InvalidCursor, Refused, Unknown, WrongState
from ..projections.details import details_of
from .cursors import encode_cursor, position_of
from .ports import CommandStore, ContentReads, QueueFilter
from .retrying import decided

SOURCE = "/kepuri/review"
ReviewStatus = Literal["pending", "approved", "rejected"]
Outcome = Literal["approved", "unchanged"]


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, the cursor of the next (None on the last) and counts per review status."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    counts: dict[str, int]


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk approval did to one activity: approved now, or already approved (no new event)."""

    activity_id: str
    outcome: Outcome
    activity: dict[str, Any]


class ContentReview:
    """The review queue and the approve / reject commands, each durable when it returns."""

    def __init__(self, store: CommandStore[ContentReads]) -> None:
        self._store = store

    async def queue(
        self,
        principal: Principal,
        *,
        campaign: str | None = None,
        status: ReviewStatus = "pending",
        region: str | None = None,
        category: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> QueuePage:
        """Registered activities in the caller's jurisdiction with review ``status``, oldest first."""
        body = body_of(principal)
        wanted = QueueFilter(status, campaign, region, category)
        after = _position(cursor) if cursor is not None else None

        async def read(reads: ContentReads) -> QueuePage:
            rows, counts = await reads.queue(body, wanted, after, limit + 1)
            return _page(body, rows, limit, counts)

        return await self._store.read(read)

    async def activity(self, principal: Principal, activity_id: str) -> dict[str, Any]:
        """One activity with everything its organizer registered and completed (:class:`Unknown`, :class:`OutsideJurisdiction`)."""
        body = body_of(principal)

        async def read(reads: ContentReads) -> dict[str, Any]:
            activity = (await reads.activities([activity_id])).get(activity_id)
            if activity is None:
                raise Unknown(f"活动 {activity_id} 不存在 (no such activity)")
            body.require(activity["region_code"], fields_of(activity), what=f"活动 {activity_id}")
            return _item(activity)

        return await self._store.read(read)

    async def approve(self, principal: Principal, activity_id: str, note: str | None = None) -> dict[str, Any]:
        """Approve the activity's content (it becomes public); approving it twice is :class:`WrongState`."""
        body = body_of(principal)

        async def attempt(reads: ContentReads) -> tuple[dict[str, Any], Changes]:
            activity = _judgeable(await reads.activities([activity_id]), activity_id, body)
            if activity["review"] == "approved":
                raise WrongState(f"活动 {activity_id} 已审核通过 (already approved)")
            version = (await reads.versions([activity_id])).get(activity_id, 0)
            return _verdict(activity, version, body, "approved", note)

        return await decided(self._store, attempt, lost=(ConcurrencyError,), skip_empty=True)

    async def reject(self, principal: Principal, activity_id: str, reason: str) -> dict[str, Any]:
        """Reject the activity's content with a reason; the organizer may revise it (back to pending)."""
        body = body_of(principal)

        async def attempt(reads: ContentReads) -> tuple[dict[str, Any], Changes]:
            activity = _judgeable(await reads.activities([activity_id]), activity_id, body)
            if activity["review"] == "rejected":
                raise WrongState(f"活动 {activity_id} 已被退回 (already rejected)")
            version = (await reads.versions([activity_id])).get(activity_id, 0)
            return _verdict(activity, version, body, "rejected", reason)

        return await decided(self._store, attempt, lost=(ConcurrencyError,), skip_empty=True)

    async def approve_many(self, principal: Principal, activity_ids: Sequence[str]) -> list[BulkOutcome]:
        """Approve all of ``activity_ids`` or none: any unknown, foreign or withdrawn one refuses them all.

        Those already approved are left as they are (``unchanged``), so a retried request is harmless.
        All the new events and rows are one :class:`Changes`: committed together or not at all.
        """
        body = body_of(principal)
        ids = list(dict.fromkeys(activity_ids))

        async def attempt(reads: ContentReads) -> tuple[list[BulkOutcome], Changes]:
            rows = await reads.activities(ids)
            failures: dict[str, Refused] = {}
            for activity_id in ids:
                try:
                    _judgeable(rows, activity_id, body)
                except Refused as exc:
                    failures[activity_id] = exc
            if failures:
                raise BulkRefused(failures)
            versions = await reads.versions(ids)
            outcomes, changes = [], Changes()
            for activity_id in ids:
                activity = rows[activity_id]
                if activity["review"] == "approved":
                    outcomes.append(BulkOutcome(activity_id, "unchanged", _item(activity)))
                    continue
                after, one = _verdict(activity, versions.get(activity_id, 0), body, "approved", None)
                changes.appends.extend(one.appends)
                changes.statements.extend(one.statements)
                outcomes.append(BulkOutcome(activity_id, "approved", after))
            return outcomes, changes

        return await decided(self._store, attempt, lost=(ConcurrencyError,), skip_empty=True)


def _position(cursor: str) -> tuple[datetime, str]:
    registered_at, activity_id = position_of(cursor, 2)
    at = moment_of(registered_at)
    if at is None or not isinstance(activity_id, str):
        raise InvalidCursor()
    return at, activity_id


def _page(body: Body, rows: list[dict[str, Any]], limit: int, counts: dict[str, int]) -> QueuePage:
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([_utc(last["registered_at"]).isoformat(), last["activity_id"]])
    # the query keeps to the jurisdiction; this is the domain's own word on it, never to be overruled
    items = [_item(row) for row in rows[:limit] if body.covers(row["region_code"], fields_of(row))]
    return QueuePage(items, next_cursor, counts)


def _judgeable(rows: dict[str, dict[str, Any]], activity_id: str, body: Body) -> dict[str, Any]:
    """The activity, if it exists, lies in the body's jurisdiction and is not withdrawn (else :class:`Unknown`, :class:`OutsideJurisdiction`, :class:`WrongState`)."""
    activity = rows.get(activity_id)
    if activity is None:
        raise Unknown(f"活动 {activity_id} 不存在 (no such activity)")
    body.require(activity["region_code"], fields_of(activity), what=f"活动 {activity_id}")
    if activity["status"] != "registered":
        raise WrongState(f"活动 {activity_id} 已撤销，不能审核 (the activity was withdrawn)")
    return activity


def _verdict(
    activity: dict[str, Any], version: int, body: Body, review: Literal["approved", "rejected"], text: str | None
) -> tuple[dict[str, Any], Changes]:
    """The event and the row update of one verdict, appended at the aggregate's ``version``."""
    activity_id = activity["activity_id"]
    payload: EventPayload
    if review == "approved":
        payload = ActivityApproved(activity_id=activity_id, reviewer_body=body.id)
    else:
        assert text is not None
        payload = ActivityRejected(activity_id=activity_id, reviewer_body=body.id, reason=text)
    envelope = CATALOG.envelope(
        payload,
        subject=activity_id,
        sequence=version + 1,
        source=SOURCE,
        correlationid=correlation_id.get(),
        campaign=activity["campaign"] or None,
    )
    state = {"review": review, "review_version": version + 1, "review_reason": text, "reviewed_by": body.id}
    return _item({**activity, **state}), verdict_changes(activity_id, version, envelope, state)


def _item(row: dict[str, Any]) -> dict[str, Any]:
    """An activity as the queue shows it (themes as a list, times in UTC)."""
    registered_at = row["registered_at"]
    return {
        **row,
        "themes": json.loads(row["themes"] or "[]"),
        "registered_at": _utc(registered_at) if registered_at is not None else None,
        "info_completed": bool(row["info_completed"]),
        "details": details_of(row),
    }


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
