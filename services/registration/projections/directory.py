"""The directory view, built from the activities, reviews, campaigns and participation topics.

Each ``apply`` works a batch at a time: one SELECT for the batch's activities, one bulk upsert of
the rows that changed, one bulk upsert adding check-ins and ratings, and (on SQLite) one query for
the neighbours of new or moved rows (search-index numbers follow the listing order, order.py) and
one pass over the full-text index (index.py). Lifecycle events are guarded by sequence per activity — the activities stream
by ``version``, the reviews stream by ``review_version`` (each stream numbers its own events) — so a
redelivered or out-of-order duplicate changes nothing. Check-ins and ratings are facts, not versions
of anything: the runtime's tracking makes a redelivered batch count once, and the ids of the events
counted (``directory_counted_events``) make a message the relay published twice — after a crash
between publishing and marking it — count once too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import Connection, and_, bindparam, false, select, update

from shared.consumer import Delivery
from shared.consumer.once import once_each
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded, tally
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.events.topics import ACTIVITIES, CAMPAIGNS, PARTICIPATION, REVIEWS
from shared.store.upsert import upsert

from ..adapters.tables import directory_activities, directory_campaigns, directory_counted
from ..directory import index, order
from ..directory.approval import CampaignHistory, Configuration
from ..directory.listing import Listing, RegionCentres
from ..directory.rows import (
    APPROVED,
    COUNTERS,
    ENTRY_COLUMNS,
    PENDING,
    REJECTED,
    STATE_COLUMNS,
    Entry,
    is_public,
    stub,
)

LIFECYCLE = (ActivityRegistered, ActivityUpdated, ActivityWithdrawn, ActivityApproved, ActivityRejected)
_ENTRY_COLUMNS = [directory_activities.c[name] for name in ("activity_id", *ENTRY_COLUMNS, "data")]


class DirectoryProjection:
    """Keeps ``directory_activities`` (and SQLite's search index) in step with the streams."""

    name = "registration.directory"
    topics: tuple[str, ...] = (ACTIVITIES.name, REVIEWS.name, CAMPAIGNS.name, PARTICIPATION.name)

    def __init__(self, centres: RegionCentres) -> None:
        self._centres = centres

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        lifecycle = [d for d in deliveries if isinstance(d.payload, LIFECYCLE)]
        configured = [d for d in deliveries if isinstance(d.payload, CampaignConfigured)]
        history, new = self._campaigns(connection, configured, lifecycle)
        if lifecycle:
            self._apply_lifecycle(connection, lifecycle, history)
        for campaign_id, version in new:
            self._reconsider(connection, history, campaign_id, version)
        self._count(connection, deliveries)

    def _campaigns(
        self, connection: Connection, configured: list[Delivery], lifecycle: list[Delivery]
    ) -> tuple[CampaignHistory, list[tuple[str, int]]]:
        """The history of the batch's campaigns, with the batch's new configurations recorded."""
        ids = {d.payload.campaign_id for d in configured if isinstance(d.payload, CampaignConfigured)}
        ids |= {
            d.payload.campaign_id
            for d in lifecycle
            if isinstance(d.payload, ActivityRegistered) and d.payload.campaign_id
        }
        history = CampaignHistory()
        if not ids:
            return history, []
        c = directory_campaigns
        rows = connection.execute(
            select(c.c.campaign_id, c.c.version, c.c.configured_at, c.c.auto_approve).where(c.c.campaign_id.in_(ids))
        )
        history.extend((r.campaign_id, r.version, r.configured_at, bool(r.auto_approve)) for r in rows)
        new: list[tuple[str, int]] = []
        for delivery in configured:
            payload, envelope = delivery.payload, delivery.envelope
            assert isinstance(payload, CampaignConfigured)
            configuration = Configuration(envelope.time.astimezone(UTC), envelope.sequence, payload.auto_approve)
            if history.add(payload.campaign_id, configuration):
                new.append((payload.campaign_id, envelope.sequence))
        upsert(
            connection,
            c,
            [
                {"campaign_id": i, "version": v, "configured_at": at, "auto_approve": flag}
                for i, v in new
                for at, _until, flag in [history.governed(i, v)]
            ],
            keys=("campaign_id", "version"),
        )
        return history, new

    def _apply_lifecycle(self, connection: Connection, lifecycle: list[Delivery], history: CampaignHistory) -> None:
        judged = _judge(connection, lifecycle)
        lifecycle = [d for d in lifecycle if _activity_id(d) not in judged]
        if not lifecycle:
            return
        t = directory_activities
        ids = {_activity_id(d) for d in lifecycle}
        rows = connection.execute(select(*_ENTRY_COLUMNS).where(t.c.activity_id.in_(ids)))
        entries = {row.activity_id: Entry.of_row(dict(row._mapping)) for row in rows}
        changed: set[str] = set()
        for delivery in lifecycle:
            activity_id = _activity_id(delivery)
            entry = entries.setdefault(activity_id, Entry(activity_id))
            if _fold(entry, delivery, history):
                changed.add(activity_id)
        dialect = connection.dialect.name
        batch = [entries[i] for i in sorted(changed)]
        if dialect == "sqlite":
            order.place(connection, batch)
        upsert(
            connection,
            t,
            [entry.row(self._centres, dialect) | dict.fromkeys(COUNTERS, 0) for entry in batch],
            keys=("activity_id",),
            update=dict.fromkeys(STATE_COLUMNS),
        )
        if dialect == "sqlite":
            _reindex(connection, batch)

    def _reconsider(self, connection: Connection, history: CampaignHistory, campaign_id: str, version: int) -> None:
        """Judge again the activities registered while a newly learnt configuration was in force.

        Rare (a campaign is configured a handful of times a year), so it may scan the view.
        """
        t = directory_activities
        since, until, auto_approve = history.governed(campaign_id, version)
        window = [t.c.campaign_id == campaign_id, t.c.registered_at >= since]
        if until is not None:
            window.append(t.c.registered_at < until)
        approved = [APPROVED, PENDING] if auto_approve else [APPROVED]
        public = and_(t.c.version > 0, t.c.withdrawn == false(), t.c.review.in_(approved))
        connection.execute(update(t).where(*window).values(auto_approved=auto_approve, public=public))

    def _count(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        facts = [d for d in deliveries if isinstance(d.payload, ParticipationRecorded | FeedbackSubmitted)]
        tallies = tally(d.payload for d in once_each(connection, directory_counted, facts))
        upsert(
            connection,
            directory_activities,
            [stub(i) | dict(zip(COUNTERS, tallies[i], strict=True)) for i in sorted(tallies)],
            keys=("activity_id",),
            update={name: _adding(name) for name in COUNTERS},
        )


def _judge(connection: Connection, lifecycle: list[Delivery]) -> set[str]:
    """Apply the verdicts of the activities that have a row and nothing but verdicts in the batch —
    the busy case of a review burst — by their review columns alone: one narrow SELECT, one UPDATE of
    ``review``, ``review_version`` and ``public`` for the batch. A verdict changes neither the listing
    nor its place in the search index, so nothing else is read or written. Returns the activities
    handled; the rest go the whole way (a row is built for a verdict read before the registration).
    """
    others = {_activity_id(d) for d in lifecycle if not isinstance(d.payload, ActivityApproved | ActivityRejected)}
    ids = {_activity_id(d) for d in lifecycle} - others
    if not ids:
        return set()
    t = directory_activities
    columns = (t.c.activity_id, t.c.review_version, t.c.review, t.c.auto_approved, t.c.withdrawn)
    listed = t.c.data.is_not(None).label("listed")
    rows = {r.activity_id: r for r in connection.execute(select(*columns, listed).where(t.c.activity_id.in_(ids)))}
    verdicts: dict[str, tuple[str, int]] = {}
    for delivery in lifecycle:
        activity_id = _activity_id(delivery)
        row = rows.get(activity_id)
        if row is None:
            continue
        known = verdicts.get(activity_id, (row.review, row.review_version))
        if delivery.envelope.sequence > known[1]:
            review = APPROVED if isinstance(delivery.payload, ActivityApproved) else REJECTED
            verdicts[activity_id] = (review, delivery.envelope.sequence)
    if verdicts:
        statement = (
            update(t)
            .where(t.c.activity_id == bindparam("activity"))
            .values(review=bindparam("verdict"), review_version=bindparam("sequence"), public=bindparam("shown"))
        )
        connection.execute(
            statement,
            [
                {
                    "activity": i,
                    "verdict": review,
                    "sequence": sequence,
                    "shown": is_public(
                        bool(rows[i].listed), bool(rows[i].withdrawn), review, bool(rows[i].auto_approved)
                    ),
                }
                for i, (review, sequence) in sorted(verdicts.items())
            ],
        )
    return set(rows)


def _adding(column: str) -> object:
    return lambda excluded, table: table.c[column] + excluded[column]


def _activity_id(delivery: Delivery) -> str:
    payload = delivery.payload
    assert isinstance(payload, LIFECYCLE)
    return payload.activity_id


def _fold(entry: Entry, delivery: Delivery, history: CampaignHistory) -> bool:
    """Apply one lifecycle event to ``entry``; False when it is a duplicate or has nothing to act on."""
    payload, envelope = delivery.payload, delivery.envelope
    if isinstance(payload, ActivityApproved | ActivityRejected):
        if envelope.sequence <= entry.review_version:
            return False
        entry.review = APPROVED if isinstance(payload, ActivityApproved) else REJECTED
        entry.review_version = envelope.sequence
        return True
    if envelope.sequence <= entry.version:
        return False
    if isinstance(payload, ActivityRegistered):
        entry.listing = Listing.registered(payload)
        entry.campaign_id = payload.campaign_id
        entry.registered_at = envelope.time.astimezone(UTC)
        entry.auto_approved = history.auto_approves(payload.campaign_id, entry.registered_at)
    elif entry.listing is None:
        return False  # a change to an activity whose registration this view has not seen
    elif isinstance(payload, ActivityUpdated):
        entry.listing = entry.listing.updated(payload.changes)
    elif isinstance(payload, ActivityWithdrawn):
        entry.withdrawn = True
    entry.version = envelope.sequence
    return True


def _reindex(connection: Connection, entries: list[Entry]) -> None:
    """Replace the FTS5 documents whose number, text or filters changed (contentless: removing a
    document needs its old tokens, rebuilt from the listing and campaign it was indexed with)."""
    removed, added = [], []
    for entry in entries:
        if _same_document(entry):
            continue
        if entry.indexed is not None and entry.indexed_doc_id is not None:
            tokens = index.document(entry.indexed, entry.indexed_campaign)
            removed.append(index.Document(entry.indexed_doc_id, tokens))
        if entry.listing is not None and entry.doc_id is not None:
            added.append(index.Document(entry.doc_id, index.document(entry.listing, entry.campaign_id)))
    index.write(connection, removed, added)


def _same_document(entry: Entry) -> bool:
    """Indexed as it stands: the same number, searchable text, region and campaign (or neither)."""
    old, new = entry.indexed, entry.listing
    if old is None or new is None:
        return old is new
    same = (entry.indexed_doc_id, entry.indexed_campaign, old.region_code) == (
        entry.doc_id,
        entry.campaign_id,
        new.region_code,
    )
    return same and old.searchable() == new.searchable()
