"""Summary reports' reads (:class:`~..service.ports.SummaryReads`) over one connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.store import starts_with

from ..domain.summaries import ReporterId, SummaryReport, SummaryRules
from ..service.ports import SummaryReads
from .reads import row_of
from .summary_rows import report_of, rules_of
from .tables import review_activities, review_summaries, review_units


class SqlSummaryReads(SummaryReads):
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def rules(self, campaign_id: str) -> SummaryRules:
        return await rules_of(self._connection, campaign_id)

    async def unit(self, unit_id: str) -> dict[str, Any] | None:
        return await row_of(self._connection, review_units, review_units.c.unit_id, unit_id)

    async def report(self, summary_id: str) -> SummaryReport | None:
        row = await row_of(self._connection, review_summaries, review_summaries.c.summary_id, summary_id)
        return report_of(row) if row is not None else None

    async def reports(self, campaign_id: str) -> list[SummaryReport]:
        s = review_summaries
        result = await self._connection.execute(select(s).where(s.c.campaign == campaign_id))
        return [report_of(dict(row)) for row in result.mappings()]

    async def organizers(self, campaign_id: str, region: str) -> list[ReporterId]:
        a, u = review_activities, review_units
        query = (
            select(u.c.unit_id, u.c.name, u.c.region_code)
            .join(a, a.c.organizer_id == u.c.unit_id)
            .where(a.c.campaign == campaign_id, a.c.status == "registered", starts_with(u.c.region_code, region))
            .distinct()
        )
        rows = await self._connection.execute(query)
        return [ReporterId("organizer", r.unit_id, r.name, r.region_code) for r in rows]
