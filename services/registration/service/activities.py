"""Registration's service layer for activities: load, decide, commit events, outbox and state together.

Each command loads the activity's current state from the ``activities`` table, lets the domain
decide, and submits one :class:`~shared.store.Changes` to the group-commit writer: the event appended
at the expected version, the restricted science-worker list as an outbox message, and the state row.
A concurrent change makes the append fail as a whole (409); nothing is half-written.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from shared.auth import Principal
from shared.bus import Message
from shared.events import CATALOG, to_message
from shared.events.payloads.campaigns import UnitRegistered
from shared.events.payloads.restricted import ScienceWorkersListed
from shared.events.topics import CONTACTS
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import (
    AggregateAppend,
    Changes,
    ConcurrencyError,
    Insert,
    IntegrityViolation,
    reading,
    sync_reading,
)

from ..adapters.activity_rows import activity_of, activity_row
from ..adapters.personal_keys import PersonalKeys, worker_rows
from ..adapters.tables import activities, science_workers
from ..domain import activity as decide
from ..domain.activity import Activity, ActivityDetails, Decision, ScienceWorker, WorkerList
from ..domain.campaign import Campaign
from ..domain.errors import NotFound, RuleBroken
from ..domain.info import InfoCompletion
from ..domain.info_completion import complete_info
from ..domain.key_plans import county_of, plan_deadline, require_key_activity_open
from ..domain.rules import Regions
from .campaigns import Campaigns
from .key_plans import KeyPlans

SOURCE = "/kepuri/registration"
UNIT_REGIONS_KEPT = 100_000  # units' regions remembered for local campaigns (a national run has ~60,000 units)
SEALING_ATTEMPTS = 3  # a person erased between sealing and commit: seal again with a fresh key


class CampaignBook:
    """Campaigns as activities consult them, cached for a few seconds (they change rarely).

    When an entry expires, one request reloads it and the others in flight wait for that load.
    """

    def __init__(self, campaigns: Campaigns, ttl_seconds: float = 5.0) -> None:
        self._campaigns = campaigns
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, Campaign | None]] = {}
        self._loading: dict[str, asyncio.Future[Campaign | None]] = {}

    async def get(self, campaign_id: str) -> Campaign:
        cached = self._cache.get(campaign_id)
        campaign = cached[1] if cached is not None and cached[0] >= time.monotonic() else await self._load(campaign_id)
        if campaign is None:
            raise RuleBroken("campaign_id", f"活动年度 {campaign_id} 不存在 (no such campaign)")
        return campaign

    async def _load(self, campaign_id: str) -> Campaign | None:
        if (loading := self._loading.get(campaign_id)) is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[Campaign | None] = asyncio.get_running_loop().create_future()
        self._loading[campaign_id] = future
        try:
            found = await self._campaigns.get(campaign_id)
            campaign = found[0] if found else None
            self._cache[campaign_id] = (time.monotonic() + self._ttl, campaign)
            future.set_result(campaign)
            return campaign
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so a load nobody else awaited logs no warning
            raise
        finally:
            del self._loading[campaign_id]


class Activities:
    """Commands and queries on activities for organizers (their own unit's) and admins (all)."""

    def __init__(
        self,
        backbone: Backbone,
        regions: Regions,
        campaigns: CampaignBook,
        keys: PersonalKeys,
        key_plans: KeyPlans | None = None,
    ) -> None:
        self._backbone = backbone
        self._key_plans = key_plans or KeyPlans(backbone)
        self._regions = regions
        self.campaigns = campaigns
        self._keys = keys
        self._unit_regions: dict[str, str] = {}

    async def register(
        self,
        principal: Principal,
        campaign_id: str,
        details: ActivityDetails,
        *,
        activity_id: str | None = None,
        also: Changes | None = None,
    ) -> Activity:
        """Register (submit) an activity of the caller's unit; durable (event and outbox) when this returns.

        ``also`` is written in the same transaction (a submitted draft's deletion).
        """
        unit_id = _unit_of(principal)
        campaign = await self.campaigns.get(campaign_id)
        if campaign.region_code is not None:
            campaign.require_unit_in_region(await self._unit_region(unit_id))
        now = datetime.now(UTC)
        decision = decide.submit(activity_id or uuid.uuid4().hex, unit_id, campaign, details, self._regions, now)
        await self._require_key_plan_open(campaign, None, details, now)

        def changes_with(sealed: ScienceWorkersListed | None) -> Changes:
            changes = self._changes(decision, 0, now, sealed)
            if also is not None:
                changes.statements.extend(also.statements)
                changes.inserts.extend(also.inserts)
            return changes

        await self._submit_sealed(decision.workers, changes_with)
        return decision.activity

    async def update(self, principal: Principal, activity_id: str, version: int, details: ActivityDetails) -> Activity:
        """Change an activity at the version the caller read (older: :class:`ConcurrencyError`)."""
        activity = await self._own(principal, activity_id, version)
        campaign = await self.campaigns.get(activity.campaign_id)
        now = datetime.now(UTC)
        decision = decide.update(activity, details, campaign, self._regions, now)
        if decision.event is not None:
            await self._require_key_plan_open(campaign, activity.details, details, now)
        return await self._commit(decision, activity.version)

    async def withdraw(self, principal: Principal, activity_id: str, version: int, reason: str | None) -> Activity:
        activity = await self._own(principal, activity_id, version)
        now = datetime.now(UTC)
        decision = decide.withdraw(activity, reason, now)
        await self._require_key_plan_open(await self.campaigns.get(activity.campaign_id), activity.details, None, now)
        return await self._commit(decision, activity.version)

    async def complete_info(
        self, principal: Principal, activity_id: str, version: int, info: InfoCompletion
    ) -> Activity:
        """Record the activity's completed information (after it started, before the deadline)."""
        activity = await self._own(principal, activity_id, version)
        campaign = await self.campaigns.get(activity.campaign_id)
        event = complete_info(activity, info, campaign, datetime.now(UTC))
        completed = replace(activity, version=activity.version + 1, info=info)
        return await self._commit(Decision(completed, event), activity.version)

    async def relist_science_workers(
        self, principal: Principal, activity_id: str, version: int, workers: tuple[ScienceWorker, ...]
    ) -> Activity:
        """Replace the science-worker list (until the info-completion deadline, also after the activity)."""
        activity = await self._own(principal, activity_id, version)
        campaign = await self.campaigns.get(activity.campaign_id)
        decision = decide.relist_science_workers(activity, workers, campaign, datetime.now(UTC))
        return await self._commit(decision, activity.version)

    async def get(self, principal: Principal, activity_id: str) -> Activity:
        """The activity if the caller may see it: its own unit, or an admin.

        Reviewers judge from the review service's view, which carries no contacts.
        """
        activity = await self._load(activity_id)
        if activity is None or not _may_read(principal, activity):
            raise NotFound("activity", activity_id)
        return activity

    async def _require_key_plan_open(
        self, campaign: Campaign, before: ActivityDetails | None, after: ActivityDetails | None, now: datetime
    ) -> None:
        """The 附件1 rules (domain/key_plans.py) for a change of a key activity; read only when one is involved."""
        key_before, key_after = bool(before and before.key_activity), bool(after and after.key_activity)
        if not (key_before or key_after) or plan_deadline(campaign) is None:
            return
        counties = (county_of(d.region_code) for d in (before, after) if d is not None)
        signed = await self._key_plans.signed_off(campaign.id, *counties)
        require_key_activity_open(campaign, key_before, key_after, signed, now)

    async def _unit_region(self, unit_id: str) -> str:
        """The region a unit signed up in, from its ``unit-registered`` event (it never changes, so kept)."""
        region = self._unit_regions.get(unit_id)
        if region is None:
            recorder = self._backbone.recorder
            events = await reading(self._backbone.engine, lambda c: recorder.load(c, unit_id))
            registered = [CATALOG.payload(e) for e in events if e.type == "unit-registered"]
            if not registered or not isinstance(registered[0], UnitRegistered):
                raise RuleBroken("role", f"单位 {unit_id} 不存在 (no such unit)")
            region = registered[0].region_code
            if len(self._unit_regions) >= UNIT_REGIONS_KEPT:
                self._unit_regions.clear()
            self._unit_regions[unit_id] = region
        return region

    async def _own(self, principal: Principal, activity_id: str, version: int) -> Activity:
        activity = await self._load(activity_id)
        if activity is None or activity.unit_id != principal.unit_id:
            raise NotFound("activity", activity_id)
        if activity.version != version:
            raise ConcurrencyError(activity.id, version, activity.version)
        return activity

    async def _load(self, activity_id: str) -> Activity | None:
        """One row by its key: on a SQLite file a single inline read, with no pooled connection to wait for."""
        query = select(activities).where(activities.c.activity_id == activity_id)

        def load(connection: Connection) -> Activity | None:
            row: Any = connection.execute(query).mappings().first()
            return activity_of(row) if row is not None else None

        return await sync_reading(self._backbone.engine, load)

    async def _commit(self, decision: Decision, expected: int) -> Activity:
        if decision.event is not None:
            now = datetime.now(UTC)
            await self._submit_sealed(decision.workers, lambda sealed: self._changes(decision, expected, now, sealed))
        return decision.activity

    async def _submit_sealed(
        self, workers: WorkerList | None, changes_with: Callable[[ScienceWorkersListed | None], Changes]
    ) -> None:
        """Seal the list (if it changed) and submit; sealed again with fresh keys when an erasure took a
        listed person's key between the sealing and the commit (the entries' guard then refuses the
        commit), so that a listing after an erasure is never left under the destroyed key."""
        for attempt in range(SEALING_ATTEMPTS):
            sealed = await self._keys.seal(workers) if workers is not None else None
            try:
                await self._backbone.writer.submit(changes_with(sealed))
                return
            except IntegrityViolation:
                if sealed is None or attempt + 1 == SEALING_ATTEMPTS or await self._keys.held(sealed):
                    raise

    def _changes(
        self, decision: Decision, expected: int, now: datetime, sealed: ScienceWorkersListed | None = None
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
            changes.messages.append(self._restricted(sealed, envelope.sequence, activity.campaign_id))
            if expected != 0:  # a new activity has no list to replace
                changes.statements.append(delete(science_workers).where(science_workers.c.activity_id == activity.id))
            changes.statements.append(worker_rows(decision.workers, sealed))
        return changes

    def _restricted(self, workers: ScienceWorkersListed, sequence: int, campaign: str) -> Message:
        envelope = CATALOG.envelope(
            workers, subject=workers.activity_id, sequence=sequence, source=SOURCE, campaign=campaign
        )
        return to_message(envelope, CONTACTS.name)


def _unit_of(principal: Principal) -> str:
    if principal.role != "organizer" or principal.unit_id is None:
        raise RuleBroken("role", "只有活动举办单位可以登记活动 (only an organizer unit registers activities)")
    return principal.unit_id


def _may_read(principal: Principal, activity: Activity) -> bool:
    return principal.national_admin or (principal.role == "organizer" and activity.unit_id == principal.unit_id)
