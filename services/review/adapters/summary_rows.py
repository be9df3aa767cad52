"""Summary reports to and from their ``review_summaries`` rows; a campaign's summary step from its view row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import Envelope
from shared.store import AggregateAppend, Changes, Insert

from ..domain.errors import NotEligible, Unknown
from ..domain.summaries import Attachment, ReporterId, SummaryReport, SummaryRules
from .reads import row_of
from .tables import review_campaigns, review_summaries


async def rules_of(connection: AsyncConnection, campaign_id: str) -> SummaryRules:
    """The campaign's summary step (:class:`Unknown` for no campaign, :class:`NotEligible` when it has no summary step)."""
    row = await row_of(connection, review_campaigns, review_campaigns.c.campaign_id, campaign_id)
    if row is None:
        raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)")
    reporters = json.loads(row["summary_reporters"] or "null")
    if not reporters:
        raise NotEligible(f"{row['title']} 没有工作总结报送环节 (the campaign has no summary step)")
    deadline = date.fromisoformat(row["summary_deadline"]) if row["summary_deadline"] else None
    return SummaryRules(campaign_id, row["title"], tuple(reporters), deadline)


def report_of(row: Mapping[str, Any]) -> SummaryReport:
    kind, _, key = row["reporter"].partition(":")
    return SummaryReport(
        id=row["summary_id"],
        campaign_id=row["campaign"],
        reporter=ReporterId(kind, key, row["reporter_name"], row["region_code"]),
        text=row["text"],
        attachments=tuple(Attachment(**a) for a in json.loads(row["attachments"])),
        status=row["status"],
        version=row["version"],
        submitted_on=date.fromisoformat(row["submitted_on"]) if row["submitted_on"] else None,
    )


def state_row(report: SummaryReport, now: datetime) -> dict[str, Any]:
    return {
        "summary_id": report.id,
        "campaign": report.campaign_id,
        "reporter": report.reporter.id,
        "reporter_kind": report.reporter.kind,
        "reporter_name": report.reporter.name,
        "region_code": report.reporter.region_code,
        "status": report.status,
        "text": report.text,
        "attachments": json.dumps([vars(a) for a in report.attachments], ensure_ascii=False),
        "version": report.version,
        "submitted_on": report.submitted_on.isoformat() if report.submitted_on else None,
        "updated_at": now,
    }


def report_changes(before_version: int, after: SummaryReport, envelope: Envelope, now: datetime) -> Changes:
    """A report's event at its next version with its state row (inserted with the first event)."""
    row = state_row(after, now)
    changes = Changes(appends=[AggregateAppend(after.id, before_version, [envelope])])
    if before_version == 0:
        changes.inserts.append(Insert(review_summaries, row))
    else:
        s = review_summaries
        changes.statements.append(s.update().where(s.c.summary_id == after.id).values(row))
    return changes
