"""The recommendation commands' reads (:class:`~..service.ports.RecommendationReads`) over one connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chain import Chain, Kind
from ..domain.recommendations import Recommendation
from ..service.ports import RecommendationReads
from .reads import chain_of, row_of, unit_fields
from .rows import recommendation_of
from .tables import quota_slots, recommendations, review_activities, review_units, subject_claims


class SqlRecommendationReads(RecommendationReads):
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def chain(self, campaign_id: str) -> Chain:
        return await chain_of(self._connection, campaign_id)

    async def activity(self, activity_id: str) -> dict[str, Any] | None:
        return await row_of(self._connection, review_activities, review_activities.c.activity_id, activity_id)

    async def unit(self, unit_id: str) -> dict[str, Any] | None:
        return await row_of(self._connection, review_units, review_units.c.unit_id, unit_id)

    async def unit_fields(self, campaign_id: str, unit_id: str) -> tuple[str, ...] | None:
        return await unit_fields(self._connection, campaign_id, unit_id)

    async def recommendation_row(self, recommendation_id: str) -> dict[str, Any] | None:
        r = recommendations
        return await row_of(self._connection, r, r.c.recommendation_id, recommendation_id)

    async def recommendation(self, recommendation_id: str) -> Recommendation | None:
        row = await self.recommendation_row(recommendation_id)
        return recommendation_of(row) if row is not None else None

    async def claimant(self, campaign_id: str, kind: Kind, subject_id: str) -> str | None:
        c = subject_claims.c
        query = select(c.recommendation_id).where(c.campaign == campaign_id, c.kind == kind, c.subject_id == subject_id)
        found: str | None = await self._connection.scalar(query)
        return found

    async def taken_slots(self, campaign_id: str, body_id: str, kind: Kind) -> set[int]:
        s = quota_slots.c
        query = select(s.slot).where(s.campaign == campaign_id, s.body == body_id, s.kind == kind)
        return set(await self._connection.scalars(query))
