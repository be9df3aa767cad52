"""Review's service layer for the recommendation chain: load, let the domain decide, commit.

Each command reads what it needs (the campaign's chain, the activity or unit from review's view,
the recommendation, the body's used quota slots), decides with ``domain/``, and submits the event,
the recommendation's state row and its claims as one :class:`~shared.store.Changes`. Two rules hold
under concurrency by the database alone: ``quota_slots``' primary key numbers a body's
recommendations 1..quota, and ``subject_claims``' keeps one open recommendation per subject. A
command that loses such a race (or the aggregate's version) looks again and decides again, so the
loser hears the rule it now breaks (quota full, already recommended) rather than a bare conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from shared.auth import Principal
from shared.events import CATALOG, Envelope, EventPayload
from shared.events.masking import mask_name, mask_phone
from shared.events.payloads.reviews import Recommended, UnitRecommended
from shared.observability.logging import correlation_id
from shared.store import Changes

from ..adapters import recommendation_changes as write
from ..adapters.reads import fields_of
from ..adapters.rows import new_row
from ..domain import recommendations as decide
from ..domain.bodies import Body, body_of
from ..domain.chain import Chain, Kind
from ..domain.errors import NotEligible, QuotaFull, Unknown, WrongState
from ..domain.recommendations import Eligibility, Recommendation, Step
from .ports import Clock, CommandStore, RecommendationReads, Row
from .retrying import decided

SOURCE = "/kepuri/review"


@dataclass(frozen=True)
class ActivityNomination:
    """Form 附件3: an excellent activity, with the recommending body's reason and opinion."""

    campaign_id: str
    activity_id: str
    reason: str
    main_content: str
    contact_name: str
    contact_phone: str
    opinion: str | None = None


@dataclass(frozen=True)
class UnitNomination:
    """Form 附件2: an excellent organizer unit (level, staff, contact, main deeds, opinion)."""

    campaign_id: str
    unit_id: str
    unit_level: str
    staff_count: int
    contact_name: str
    contact_phone: str
    deeds: str
    opinion: str | None = None


class Recommendations:
    """Recommend, endorse, decline, withdraw and commend, each durable when it returns."""

    def __init__(self, store: CommandStore[RecommendationReads], clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def recommend_activity(self, principal: Principal, nomination: ActivityNomination) -> Recommendation:
        body = body_of(principal)

        async def attempt(reads: RecommendationReads) -> tuple[Recommendation, Changes]:
            chain = await reads.chain(nomination.campaign_id)
            activity = await reads.activity(nomination.activity_id)
            if activity is None or activity["campaign"] != nomination.campaign_id:
                raise Unknown(f"活动 {nomination.activity_id} 不在 {nomination.campaign_id} 年度中 (no such activity)")
            fields = fields_of(activity)
            to_level = decide.require_sender(chain, body, activity["region_code"], fields, "该活动")
            chain.require_open(body.level, self._clock.today())
            Eligibility(
                registered=activity["status"] == "registered",
                approved=activity["review"] == "approved",
                info_completed=bool(activity["info_completed"]),
            ).require()
            rec = self._opened(
                nomination.campaign_id,
                "activity",
                nomination.activity_id,
                activity["region_code"],
                fields,
                body,
                to_level,
                nomination.reason,
            )
            payload = Recommended(
                recommendation_id=rec.id,
                activity_id=nomination.activity_id,
                from_body=body.id,
                from_level=body.level,
                to_level=to_level,
                reason=nomination.reason,
                opinion=nomination.opinion,
                campaign_id=nomination.campaign_id,
                activity_name=activity["name"],
                unit_name=activity["organizer_name"],
                main_content=nomination.main_content,
                contact_name_masked=mask_name(nomination.contact_name),
                contact_phone_masked=mask_phone(nomination.contact_phone),
            )
            form = asdict(nomination)
            row = new_row(rec, activity["name"], activity["organizer_name"], form, self._clock.now())
            return rec, await self._opening(reads, chain, body, rec, payload, row)

        return await decided(self._store, attempt)

    async def recommend_unit(self, principal: Principal, nomination: UnitNomination) -> Recommendation:
        body = body_of(principal)

        async def attempt(reads: RecommendationReads) -> tuple[Recommendation, Changes]:
            chain = await reads.chain(nomination.campaign_id)
            unit = await reads.unit(nomination.unit_id)
            if unit is None:
                raise Unknown(f"单位 {nomination.unit_id} 不存在 (no such unit)")
            found = await reads.unit_fields(nomination.campaign_id, nomination.unit_id)
            fields = found or ()
            to_level = decide.require_sender(chain, body, unit["region_code"], fields, "该单位")
            chain.require_open(body.level, self._clock.today())
            if found is None:  # no activity at all; activities that name no field still count
                raise NotEligible("该单位在本年度没有登记活动 (the unit registered no activity in this campaign)")
            rec = self._opened(
                nomination.campaign_id,
                "unit",
                nomination.unit_id,
                unit["region_code"],
                fields,
                body,
                to_level,
                nomination.deeds,
            )
            payload = UnitRecommended(
                recommendation_id=rec.id,
                unit_id=nomination.unit_id,
                from_body=body.id,
                from_level=body.level,
                to_level=to_level,
                deeds=nomination.deeds,
                opinion=nomination.opinion,
                campaign_id=nomination.campaign_id,
                unit_name=unit["name"],
                unit_level=nomination.unit_level,
                staff_count=nomination.staff_count,
                contact_name_masked=mask_name(nomination.contact_name),
                contact_phone_masked=mask_phone(nomination.contact_phone),
            )
            row = new_row(rec, unit["name"], unit["name"], asdict(nomination), self._clock.now())
            return rec, await self._opening(reads, chain, body, rec, payload, row)

        return await decided(self._store, attempt)

    async def endorse(self, principal: Principal, recommendation_id: str, opinion: str) -> Recommendation:
        body = body_of(principal)

        async def attempt(reads: RecommendationReads) -> tuple[Recommendation, Changes]:
            rec, chain = await self._load(reads, recommendation_id)
            moved, payload = decide.endorse(rec, body, chain, opinion, self._clock.today())
            changes = self._advance(rec, moved, payload)
            await self._claim_slot(reads, chain, body, rec, changes)
            return moved, changes

        return await decided(self._store, attempt)

    async def decline(self, principal: Principal, recommendation_id: str, reason: str) -> Recommendation:
        body = body_of(principal)

        async def attempt(reads: RecommendationReads) -> tuple[Recommendation, Changes]:
            rec, chain = await self._load(reads, recommendation_id)
            ended, payload = decide.decline(rec, body, chain, reason, self._clock.today())
            changes = self._advance(rec, ended, payload)
            changes.statements.append(write.subject_released(rec))
            return ended, changes

        return await decided(self._store, attempt)

    async def withdraw(self, principal: Principal, recommendation_id: str, reason: str | None) -> Recommendation:
        body = body_of(principal)

        async def attempt(reads: RecommendationReads) -> tuple[Recommendation, Changes]:
            rec, _chain = await self._load(reads, recommendation_id)
            ended, payload = decide.withdraw(rec, body, reason, self._clock.today())
            changes = self._advance(rec, ended, payload)
            changes.statements.append(write.subject_released(rec))
            changes.statements.append(write.slot_freed(rec, body.id))
            return ended, changes

        return await decided(self._store, attempt)

    async def commend(self, principal: Principal, recommendation_id: str, citation: str | None) -> Recommendation:
        body = body_of(principal)

        async def attempt(reads: RecommendationReads) -> tuple[Recommendation, Changes]:
            rec, chain = await self._load(reads, recommendation_id)
            crowned, payload = decide.commend(rec, body, citation, self._clock.today(), chain)
            return crowned, self._advance(rec, crowned, payload)

        return await decided(self._store, attempt)

    async def get(self, principal: Principal, recommendation_id: str) -> tuple[Recommendation, Row]:
        """A recommendation the caller may see (its subject in their jurisdiction, or theirs), with its row."""
        body = body_of(principal)

        async def read(reads: RecommendationReads) -> tuple[Recommendation | None, Row | None]:
            return await reads.recommendation(recommendation_id), await reads.recommendation_row(recommendation_id)

        rec, row = await self._store.read(read)
        if rec is None or row is None or not (rec.subject_in(body) or rec.origin == body.id):
            raise Unknown(f"推荐 {recommendation_id} 不存在 (no such recommendation in your jurisdiction)")
        return rec, row

    async def row(self, recommendation_id: str) -> Row:
        """The state row of a recommendation the caller has just acted on."""

        async def read(reads: RecommendationReads) -> Row | None:
            return await reads.recommendation_row(recommendation_id)

        row = await self._store.read(read)
        if row is None:
            raise Unknown(f"推荐 {recommendation_id} 不存在 (no such recommendation)")
        return row

    # ── the machinery ──

    async def _load(self, reads: RecommendationReads, recommendation_id: str) -> tuple[Recommendation, Chain]:
        rec = await reads.recommendation(recommendation_id)
        if rec is None:
            raise Unknown(f"推荐 {recommendation_id} 不存在 (no such recommendation)")
        return rec, await reads.chain(rec.campaign_id)

    async def _opening(
        self,
        reads: RecommendationReads,
        chain: Chain,
        body: Body,
        rec: Recommendation,
        payload: EventPayload,
        row: Row,
    ) -> Changes:
        claimed = await reads.claimant(rec.campaign_id, rec.kind, rec.subject_id)
        if claimed is not None:
            raise WrongState(f"已被推荐（推荐 {claimed}），不能重复推荐 (already recommended: {claimed})")
        changes = write.opened(rec, self._envelope(rec, payload), row)
        await self._claim_slot(reads, chain, body, rec, changes)
        return changes

    async def _claim_slot(
        self, reads: RecommendationReads, chain: Chain, body: Body, rec: Recommendation, changes: Changes
    ) -> None:
        """Take the body's lowest free quota slot for ``rec`` (:class:`QuotaFull` when none is free)."""
        quota = chain.quota(body, rec.kind)
        if quota is None:
            return
        taken = await reads.taken_slots(rec.campaign_id, body.id, rec.kind)
        free = next((slot for slot in range(1, quota + 1) if slot not in taken), None)
        if free is None:
            raise QuotaFull(f"{chain.quota_name(body, rec.kind)}已满（{quota} 个）(the quota of {quota} is used up)")
        changes.inserts.append(write.slot_taken(rec, body.id, free))

    def _advance(self, before: Recommendation, after: Recommendation, payload: EventPayload) -> Changes:
        return write.advanced(before, after, self._envelope(after, payload), self._clock.now())

    def _envelope(self, rec: Recommendation, payload: EventPayload) -> Envelope:
        return CATALOG.envelope(
            payload,
            subject=rec.id,
            sequence=rec.version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=rec.campaign_id,
        )

    def _opened(
        self,
        campaign_id: str,
        kind: Kind,
        subject_id: str,
        region_code: str,
        fields: tuple[str, ...],
        body: Body,
        to_level: Any,
        text: str,
    ) -> Recommendation:
        return Recommendation(
            id=uuid.uuid4().hex,
            campaign_id=campaign_id,
            kind=kind,
            subject_id=subject_id,
            region_code=region_code,
            fields=fields,
            origin=body.id,
            level=to_level,
            history=(Step("recommended", body.level, body.id, text, self._clock.today()),),
        )
