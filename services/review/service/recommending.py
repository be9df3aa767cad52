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
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.auth import Principal
from shared.events import CATALOG, EventPayload
from shared.events.masking import mask_name, mask_phone
from shared.events.payloads.reviews import Recommended, UnitRecommended
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, ConcurrencyError, Insert, IntegrityViolation, reading

from ..adapters.reads import chain_of, fields_of, row_of, unit_fields
from ..adapters.rows import new_row, recommendation_of, state_columns
from ..adapters.tables import (
    quota_slots,
    recommendations,
    review_activities,
    review_units,
    subject_claims,
)
from ..domain import recommendations as decide
from ..domain.bodies import Body, body_of
from ..domain.chain import Chain, Kind
from ..domain.errors import NotEligible, QuotaFull, Unknown, WrongState
from ..domain.recommendations import Eligibility, Recommendation, Step

SOURCE = "/kepuri/review"
CHINA = ZoneInfo("Asia/Shanghai")
ATTEMPTS = 8
T = TypeVar("T")


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


def today() -> date:
    return datetime.now(CHINA).date()


class Recommendations:
    """Recommend, endorse, decline, withdraw and commend, each durable when it returns."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def recommend_activity(self, principal: Principal, nomination: ActivityNomination) -> Recommendation:
        body = body_of(principal)

        async def attempt(connection: AsyncConnection) -> tuple[Recommendation, Changes]:
            chain = await chain_of(connection, nomination.campaign_id)
            activity = await row_of(
                connection, review_activities, review_activities.c.activity_id, nomination.activity_id
            )
            if activity is None or activity["campaign"] != nomination.campaign_id:
                raise Unknown(f"活动 {nomination.activity_id} 不在 {nomination.campaign_id} 年度中 (no such activity)")
            fields = fields_of(activity)
            to_level = decide.require_sender(chain, body, activity["region_code"], fields, "该活动")
            chain.require_open(body.level, today())
            Eligibility(
                registered=activity["status"] == "registered",
                approved=activity["review"] == "approved",
                info_completed=bool(activity["info_completed"]),
            ).require()
            rec = _opened(
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
            row = new_row(rec, activity["name"], activity["organizer_name"], form, datetime.now(UTC))
            return rec, await self._opening(connection, chain, body, rec, payload, row)

        return await self._retrying(attempt)

    async def recommend_unit(self, principal: Principal, nomination: UnitNomination) -> Recommendation:
        body = body_of(principal)

        async def attempt(connection: AsyncConnection) -> tuple[Recommendation, Changes]:
            chain = await chain_of(connection, nomination.campaign_id)
            unit = await row_of(connection, review_units, review_units.c.unit_id, nomination.unit_id)
            if unit is None:
                raise Unknown(f"单位 {nomination.unit_id} 不存在 (no such unit)")
            found = await unit_fields(connection, nomination.campaign_id, nomination.unit_id)
            fields = found or ()
            to_level = decide.require_sender(chain, body, unit["region_code"], fields, "该单位")
            chain.require_open(body.level, today())
            if found is None:  # no activity at all; activities that name no field still count
                raise NotEligible("该单位在本年度没有登记活动 (the unit registered no activity in this campaign)")
            rec = _opened(
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
            row = new_row(rec, unit["name"], unit["name"], asdict(nomination), datetime.now(UTC))
            return rec, await self._opening(connection, chain, body, rec, payload, row)

        return await self._retrying(attempt)

    async def endorse(self, principal: Principal, recommendation_id: str, opinion: str) -> Recommendation:
        body = body_of(principal)

        async def attempt(connection: AsyncConnection) -> tuple[Recommendation, Changes]:
            rec, chain = await self._load(connection, recommendation_id)
            moved, payload = decide.endorse(rec, body, chain, opinion, today())
            changes = self._advance(rec, moved, payload)
            await self._claim_slot(connection, chain, body, rec, changes)
            return moved, changes

        return await self._retrying(attempt)

    async def decline(self, principal: Principal, recommendation_id: str, reason: str) -> Recommendation:
        body = body_of(principal)

        async def attempt(connection: AsyncConnection) -> tuple[Recommendation, Changes]:
            rec, chain = await self._load(connection, recommendation_id)
            ended, payload = decide.decline(rec, body, chain, reason, today())
            changes = self._advance(rec, ended, payload)
            changes.statements.append(_release_subject(rec))
            return ended, changes

        return await self._retrying(attempt)

    async def withdraw(self, principal: Principal, recommendation_id: str, reason: str | None) -> Recommendation:
        body = body_of(principal)

        async def attempt(connection: AsyncConnection) -> tuple[Recommendation, Changes]:
            rec, _chain = await self._load(connection, recommendation_id)
            ended, payload = decide.withdraw(rec, body, reason, today())
            changes = self._advance(rec, ended, payload)
            changes.statements.append(_release_subject(rec))
            s = quota_slots
            changes.statements.append(
                delete(s).where(s.c.recommendation_id == rec.id, s.c.body == body.id, s.c.kind == rec.kind)
            )
            return ended, changes

        return await self._retrying(attempt)

    async def commend(self, principal: Principal, recommendation_id: str, citation: str | None) -> Recommendation:
        body = body_of(principal)

        async def attempt(connection: AsyncConnection) -> tuple[Recommendation, Changes]:
            rec, chain = await self._load(connection, recommendation_id)
            crowned, payload = decide.commend(rec, body, citation, today(), chain)
            return crowned, self._advance(rec, crowned, payload)

        return await self._retrying(attempt)

    async def get(self, principal: Principal, recommendation_id: str) -> tuple[Recommendation, dict[str, Any]]:
        """A recommendation the caller may see (its subject in their jurisdiction, or theirs), with its row."""
        body = body_of(principal)

        async def read(connection: AsyncConnection) -> dict[str, Any] | None:
            return await row_of(connection, recommendations, recommendations.c.recommendation_id, recommendation_id)

        row = await reading(self._backbone.engine, read)
        rec = recommendation_of(row) if row is not None else None
        if rec is None or not (rec.subject_in(body) or rec.origin == body.id):
            raise Unknown(f"推荐 {recommendation_id} 不存在 (no such recommendation in your jurisdiction)")
        assert row is not None
        return rec, row

    async def row(self, recommendation_id: str) -> dict[str, Any]:
        """The state row of a recommendation the caller has just acted on."""

        async def read(connection: AsyncConnection) -> dict[str, Any] | None:
            return await row_of(connection, recommendations, recommendations.c.recommendation_id, recommendation_id)

        row = await reading(self._backbone.engine, read)
        if row is None:
            raise Unknown(f"推荐 {recommendation_id} 不存在 (no such recommendation)")
        return row

    # ── the machinery ──

    async def _retrying(self, attempt: Callable[[AsyncConnection], Awaitable[tuple[T, Changes]]]) -> T:
        """Decide on a fresh read and commit; after a lost race, read and decide again."""
        for tries in range(ATTEMPTS):
            result, changes = await reading(self._backbone.engine, attempt)
            try:
                await self._backbone.writer.submit(changes)
            except (IntegrityViolation, ConcurrencyError):
                if tries == ATTEMPTS - 1:
                    raise
                continue
            return result
        raise AssertionError("unreachable")

    async def _load(self, connection: AsyncConnection, recommendation_id: str) -> tuple[Recommendation, Chain]:
        row = await row_of(connection, recommendations, recommendations.c.recommendation_id, recommendation_id)
        if row is None:
            raise Unknown(f"推荐 {recommendation_id} 不存在 (no such recommendation)")
        rec = recommendation_of(row)
        return rec, await chain_of(connection, rec.campaign_id)

    async def _opening(
        self,
        connection: AsyncConnection,
        chain: Chain,
        body: Body,
        rec: Recommendation,
        payload: EventPayload,
        row: dict[str, Any],
    ) -> Changes:
        claimed = await connection.scalar(
            select(subject_claims.c.recommendation_id).where(
                subject_claims.c.campaign == rec.campaign_id,
                subject_claims.c.kind == rec.kind,
                subject_claims.c.subject_id == rec.subject_id,
            )
        )
        if claimed is not None:
            raise WrongState(f"已被推荐（推荐 {claimed}），不能重复推荐 (already recommended: {claimed})")
        changes = Changes(
            appends=[AggregateAppend(rec.id, 0, [self._envelope(rec, payload)])],
            inserts=[
                Insert(recommendations, row),
                Insert(subject_claims, {**_subject(rec), "recommendation_id": rec.id}),
            ],
        )
        await self._claim_slot(connection, chain, body, rec, changes)
        return changes

    async def _claim_slot(
        self, connection: AsyncConnection, chain: Chain, body: Body, rec: Recommendation, changes: Changes
    ) -> None:
        """Take the body's lowest free quota slot for ``rec`` (:class:`QuotaFull` when none is free)."""
        quota = chain.quota(body, rec.kind)
        if quota is None:
            return
        s = quota_slots
        taken = set(
            await connection.scalars(
                select(s.c.slot).where(s.c.campaign == rec.campaign_id, s.c.body == body.id, s.c.kind == rec.kind)
            )
        )
        free = next((slot for slot in range(1, quota + 1) if slot not in taken), None)
        if free is None:
            raise QuotaFull(f"{chain.quota_name(body, rec.kind)}已满（{quota} 个）(the quota of {quota} is used up)")
        slot = {"campaign": rec.campaign_id, "body": body.id, "kind": rec.kind, "slot": free}
        changes.inserts.append(Insert(s, {**slot, "recommendation_id": rec.id}))

    def _advance(self, before: Recommendation, after: Recommendation, payload: EventPayload) -> Changes:
        r = recommendations
        return Changes(
            appends=[AggregateAppend(before.id, before.version, [self._envelope(after, payload)])],
            statements=[
                r.update().where(r.c.recommendation_id == before.id).values(state_columns(after, datetime.now(UTC)))
            ],
        )

    def _envelope(self, rec: Recommendation, payload: EventPayload) -> Any:
        return CATALOG.envelope(
            payload,
            subject=rec.id,
            sequence=rec.version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=rec.campaign_id,
        )


def _opened(
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
        history=(Step("recommended", body.level, body.id, text, today()),),
    )


def _subject(rec: Recommendation) -> dict[str, str]:
    return {"campaign": rec.campaign_id, "kind": rec.kind, "subject_id": rec.subject_id}


def _release_subject(rec: Recommendation) -> Any:
    c = subject_claims.c
    return delete(subject_claims).where(
        c.campaign == rec.campaign_id, c.kind == rec.kind, c.subject_id == rec.subject_id, c.recommendation_id == rec.id
    )
