"""The summary reports' SQL: the campaign's reporting step, the organizers counted, the reports begun;
and the projection's writes, each row kept only when newer than the stored one."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, case, select

from shared.store.upsert import upsert

from ..service.ports import SummaryReader
from .tables import activity_facts, summary_reports, summary_steps


class SqlSummaries(SummaryReader):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def reporters(self, campaign: str) -> list[str]:
        step = self.connection.execute(
            select(summary_steps.c.reporters).where(summary_steps.c.campaign == campaign)
        ).scalar()
        kinds: list[str] = json.loads(step or "[]")
        return kinds

    def organizers(self, campaign: str, region: str) -> list[tuple[str, str]]:
        f = activity_facts.c
        query = select(f.organizer_id, f.region_code).where(
            f.campaign == campaign, f.withdrawn.is_(False), f.version > 0, f.organizer_id.is_not(None)
        )
        if region:
            query = query.where(f.region_code.startswith(region, autoescape=True))
        return [(organizer, code) for organizer, code in self.connection.execute(query.distinct())]

    def reports(self, campaign: str) -> list[tuple[str, str, str, bool]]:
        s = summary_reports.c
        rows = self.connection.execute(
            select(s.reporter, s.reporter_kind, s.region_code, s.submitted).where(s.campaign == campaign)
        )
        return [(reporter, kind, code, bool(submitted)) for reporter, kind, code, submitted in rows]


def _if_newer(column: str) -> Any:
    return lambda excluded, table: case(
        (excluded["version"] > table.c.version, excluded[column]), else_=table.c[column]
    )


def put_steps(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Each campaign's kinds of reporter, unless the stored row is newer."""
    update = {c: _if_newer(c) for c in ("reporters", "version")}
    upsert(connection, summary_steps, list(rows), keys=("campaign",), update=update)


def put_reports(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Each report's state, unless the stored row is newer."""
    update = {c: _if_newer(c) for c in ("submitted", "version")}
    upsert(connection, summary_reports, list(rows), keys=("summary_id",), update=update)
