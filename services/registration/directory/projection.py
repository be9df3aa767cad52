"""The directory view, built from the activities, reviews, campaigns and participation topics.

Each ``apply`` works a batch at a time: one SELECT for the batch's activities, one bulk upsert of
the rows that changed, one bulk upsert adding check-ins and ratings, and (on SQLite) one pass over
the full-text index. Lifecycle events are guarded by sequence per activity — the activities stream
by ``version``, the reviews stream by ``review_version`` (each stream numbers its own events) — so a
redelivered or out-of-order duplicate changes nothing. Check-ins and ratings are facts, not versions
of anything: the runtime's tracking makes a redelivered batch count once (only a relay that published
a message twice, after a crash between publishing and marking it, would count it twice: a counter
one too high in rare cases, which the directory accepts rather than keep every event id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import and_, false, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected
from shared.events.topics import ACTIVITIES, CAMPAIGNS, PARTICIPATION, REVIEWS
from shared.store.upsert import upsert

from ..adapters.tables import DIRECTORY_SEARCH, directory_activities, directory_campaigns
from .approval import CampaignHistory, Configuration
from .listing import Listing, RegionCentres
from .rows import APPROVED, COUNTERS, ENTRY_COLUMNS, PENDING, REJECTED, STATE_COLUMNS, Entry, doc_id, stub
from .search import document_tokens, fts5_document

LIFECYCLE = (ActivityRegistered, ActivityUpdated, ActivityWithdrawn, ActivityApproved, ActivityRejected)
_ENTRY_COLUMNS = [directory_activities.c[name] for name in ("activity_id", *ENTRY_COLUMNS, "data")]
_FTS_DELETE = text(
    f"INSERT INTO {DIRECTORY_SEARCH}({DIRECTORY_SEARCH}, rowid, tokens) VALUES ('delete', :rowid, :tokens)"
)
_FTS_INSERT = text(f"INSERT INTO {DIRECTORY_SEARCH}(rowid, tokens) VALUES (:rowid, :tokens)")


class DirectoryProjection:
    """Keeps ``directory_activities`` (and SQLite's search index) in step with the streams."""

    name = "registration.directory"
    topics: tuple[str, ...] = (ACTIVITIES.name, REVIEWS.name, CAMPAIGNS.name, PARTICIPATION.name)

    def __init__(self, centres: RegionCentres) -> None:
        self._centres = centres

    async def apply(self, connection: AsyncConnection, deliveries: Sequence[Delivery]) -> None:
        lifecycle = [d for d in deliveries if isinstance(d.payload, LIFECYCLE)]
        configured = [d for d in deliveries if isinstance(d.payload, CampaignConfigured)]
        history, new = await self._campaigns(connection, configured, lifecycle)
        if lifecycle:
            await self._apply_lifecycle(connection, lifecycle, history)
        for campaign_id, version in new:
            await self._reconsider(connection, history, campaign_id, version)
        await self._count(connection, deliveries)

    async def _campaigns(
        self, connection: AsyncConnection, configured: list[Delivery], lifecycle: list[Delivery]
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
        rows = await connection.execute(
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
        await upsert(
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

    async def _apply_lifecycle(
        self, connection: AsyncConnection, lifecycle: list[Delivery], history: CampaignHistory
    ) -> None:
        t = directory_activities
        ids = {_activity_id(d) for d in lifecycle}
        rows = await connection.execute(select(*_ENTRY_COLUMNS).where(t.c.activity_id.in_(ids)))
        entries = {row.activity_id: Entry.of_row(dict(row._mapping)) for row in rows}
        changed: set[str] = set()
        for delivery in lifecycle:
            activity_id = _activity_id(delivery)
            entry = entries.setdefault(activity_id, Entry(activity_id))
            if _fold(entry, delivery, history):
                changed.add(activity_id)
        dialect = connection.dialect.name
        await upsert(
            connection,
            t,
            [entries[i].row(self._centres, dialect) | dict.fromkeys(COUNTERS, 0) for i in sorted(changed)],
            keys=("activity_id",),
            update=dict.fromkeys(STATE_COLUMNS),
        )
        if dialect == "sqlite":
            await _reindex(connection, [entries[i] for i in sorted(changed)])

    async def _reconsider(
        self, connection: AsyncConnection, history: CampaignHistory, campaign_id: str, version: int
    ) -> None:
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
        await connection.execute(update(t).where(*window).values(auto_approved=auto_approve, public=public))

    async def _count(self, connection: AsyncConnection, deliveries: Sequence[Delivery]) -> None:
        tallies: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for delivery in deliveries:
            payload = delivery.payload
            if isinstance(payload, ParticipationRecorded):
                tallies[payload.activity_id][0] += 1
            elif isinstance(payload, FeedbackSubmitted):
                tally = tallies[payload.activity_id]
                tally[1] += 1
                tally[2] += payload.rating
        await upsert(
            connection,
            directory_activities,
            [stub(i) | dict(zip(COUNTERS, tallies[i], strict=True)) for i in sorted(tallies)],
            keys=("activity_id",),
            update={name: _adding(name) for name in COUNTERS},
        )


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


async def _reindex(connection: AsyncConnection, entries: list[Entry]) -> None:
    """Replace the FTS5 documents whose searchable text changed (contentless: delete needs the old text)."""
    removed, added = [], []
    for entry in entries:
        before = entry.indexed.searchable() if entry.indexed else None
        after = entry.listing.searchable() if entry.listing else None
        if before == after:
            continue
        rowid = doc_id(entry.activity_id)
        if before is not None:
            removed.append({"rowid": rowid, "tokens": fts5_document(document_tokens(before))})
        if after is not None:
            added.append({"rowid": rowid, "tokens": fts5_document(document_tokens(after))})
    if removed:
        await connection.execute(_FTS_DELETE, removed)
    if added:
        await connection.execute(_FTS_INSERT, added)
