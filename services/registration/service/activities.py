"""Registration's service layer for activities: load, decide, commit events, outbox and state together.

Each command loads the activity's current state from the :class:`~.ports.ActivityStore`, lets the domain
decide, and commits the decision through the store: the event appended at the expected version, the
restricted science-worker list as an outbox message, and the state row, in one transaction
(``adapters/activity_state.py`` writes them). A concurrent change makes the append fail as a whole
(409); nothing is half-written.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace
from datetime import datetime

from shared.auth import Principal
from shared.store import Changes, ConcurrencyError, IntegrityViolation

from ..domain import activity as decide
from ..domain.activity import Activity, ActivityDetails, Decision, ScienceWorker
from ..domain.campaign import Campaign
from ..domain.errors import NotFound, RuleBroken
from ..domain.info import InfoCompletion
from ..domain.info_completion import complete_info
from ..domain.key_plans import county_of, plan_deadline, require_key_activity_open
from ..domain.rules import Regions
from .campaigns import Campaigns
from .ports import ActivityStore, CampaignSource, Clock, KeyPlanLocks, WorkerSealer, system_clock

UNIT_REGIONS_KEPT = 100_000  # units' regions remembered for local campaigns (a national run has ~60,000 units)
SEALING_ATTEMPTS = 3  # a person erased between sealing and commit: seal again with a fresh key


class CampaignBook(CampaignSource):
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
        store: ActivityStore,
        regions: Regions,
        campaigns: CampaignSource,
        keys: WorkerSealer,
        key_plans: KeyPlanLocks,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        self._key_plans = key_plans
        self._regions = regions
        self.campaigns = campaigns
        self._keys = keys
        self._clock = clock
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
        now = self._clock()
        decision = decide.submit(activity_id or uuid.uuid4().hex, unit_id, campaign, details, self._regions, now)
        await self._require_key_plan_open(campaign, None, details, now)
        await self._commit_sealed(decision, 0, now, also)
        return decision.activity

    async def update(self, principal: Principal, activity_id: str, version: int, details: ActivityDetails) -> Activity:
        """Change an activity at the version the caller read (older: :class:`ConcurrencyError`)."""
        activity = await self._own(principal, activity_id, version)
        campaign = await self.campaigns.get(activity.campaign_id)
        now = self._clock()
        decision = decide.update(activity, details, campaign, self._regions, now)
        if decision.event is not None:
            await self._require_key_plan_open(campaign, activity.details, details, now)
        return await self._commit(decision, activity.version)

    async def withdraw(self, principal: Principal, activity_id: str, version: int, reason: str | None) -> Activity:
        activity = await self._own(principal, activity_id, version)
        now = self._clock()
        decision = decide.withdraw(activity, reason, now)
        await self._require_key_plan_open(await self.campaigns.get(activity.campaign_id), activity.details, None, now)
        return await self._commit(decision, activity.version)

    async def complete_info(
        self, principal: Principal, activity_id: str, version: int, info: InfoCompletion
    ) -> Activity:
        """Record the activity's completed information (after it started, before the deadline)."""
        activity = await self._own(principal, activity_id, version)
        campaign = await self.campaigns.get(activity.campaign_id)
        event = complete_info(activity, info, campaign, self._clock())
        completed = replace(activity, version=activity.version + 1, info=info)
        return await self._commit(Decision(completed, event), activity.version)

    async def relist_science_workers(
        self, principal: Principal, activity_id: str, version: int, workers: tuple[ScienceWorker, ...]
    ) -> Activity:
        """Replace the science-worker list (until the info-completion deadline, also after the activity)."""
        activity = await self._own(principal, activity_id, version)
        campaign = await self.campaigns.get(activity.campaign_id)
        decision = decide.relist_science_workers(activity, workers, campaign, self._clock())
        return await self._commit(decision, activity.version)

    async def get(self, principal: Principal, activity_id: str) -> Activity:
        """The activity if the caller may see it: its own unit, or an admin.

        Reviewers judge from the review service's view, which carries no contacts.
        """
        activity = await self._store.get(activity_id)
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
        """The region a unit signed up in (it never changes, so kept)."""
        region = self._unit_regions.get(unit_id)
        if region is None:
            region = await self._store.unit_region(unit_id)
            if region is None:
                raise RuleBroken("role", f"单位 {unit_id} 不存在 (no such unit)")
            if len(self._unit_regions) >= UNIT_REGIONS_KEPT:
                self._unit_regions.clear()
            self._unit_regions[unit_id] = region
        return region

    async def _own(self, principal: Principal, activity_id: str, version: int) -> Activity:
        activity = await self._store.get(activity_id)
        if activity is None or activity.unit_id != principal.unit_id:
            raise NotFound("activity", activity_id)
        if activity.version != version:
            raise ConcurrencyError(activity.id, version, activity.version)
        return activity

    async def _commit(self, decision: Decision, expected: int) -> Activity:
        if decision.event is not None:
            await self._commit_sealed(decision, expected, self._clock())
        return decision.activity

    async def _commit_sealed(
        self, decision: Decision, expected: int, now: datetime, also: Changes | None = None
    ) -> None:
        """Seal the list (if it changed) and commit; sealed again with fresh keys when an erasure took a
        listed person's key between the sealing and the commit (the entries' guard then refuses the
        commit), so that a listing after an erasure is never left under the destroyed key."""
        workers = decision.workers
        for attempt in range(SEALING_ATTEMPTS):
            sealed = await self._keys.seal(workers) if workers is not None else None
            try:
                await self._store.commit(decision, expected, now, sealed, also)
                return
            except IntegrityViolation:
                if sealed is None or attempt + 1 == SEALING_ATTEMPTS or await self._keys.held(sealed):
                    raise


def _unit_of(principal: Principal) -> str:
    if principal.role != "organizer" or principal.unit_id is None:
        raise RuleBroken("role", "只有活动举办单位可以登记活动 (only an organizer unit registers activities)")
    return principal.unit_id


def _may_read(principal: Principal, activity: Activity) -> bool:
    return principal.national_admin or (principal.role == "organizer" and activity.unit_id == principal.unit_id)
