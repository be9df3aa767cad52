"""API schemas of summary reports (工作总结)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from ..domain.summaries import KIND_NAMES, SummaryReport, SummaryRules
from ..service.summary_overview import Overview

Status = Literal["none", "draft", "submitted"]


class SummaryText(BaseModel):
    """The draft's text (工作总结正文)."""

    text: str = Field(max_length=20_000, description="总结正文")


class AttachmentOut(BaseModel):
    file_id: str
    filename: str
    content_type: str
    size: int


class SummaryOut(BaseModel):
    """A report, with the campaign's summary deadline and whether it can still change."""

    summary_id: str
    campaign_id: str
    reporter: str
    reporter_kind: str
    reporter_kind_name: str
    reporter_name: str
    region_code: str
    status: Status
    text: str
    attachments: list[AttachmentOut]
    submitted_on: date | None
    deadline: date | None
    editable: bool = Field(description="a draft (or nothing yet) before the deadline")

    @classmethod
    def of(cls, report: SummaryReport, rules: SummaryRules | None, today: date) -> SummaryOut:
        deadline = rules.deadline if rules is not None else None
        open_ = report.status != "submitted" and (deadline is None or today <= deadline)
        return cls(
            summary_id=report.id,
            campaign_id=report.campaign_id,
            reporter=report.reporter.id,
            reporter_kind=report.reporter.kind,
            reporter_kind_name=KIND_NAMES[report.reporter.kind],
            reporter_name=report.reporter.name,
            region_code=report.reporter.region_code,
            status=report.status,
            text=report.text,
            attachments=[AttachmentOut(**vars(a)) for a in report.attachments],
            submitted_on=report.submitted_on,
            deadline=deadline,
            editable=open_,
        )


class DueOut(BaseModel):
    """A reporter due to report to the caller, and how far it has got."""

    reporter: str
    reporter_kind: str
    reporter_kind_name: str
    reporter_name: str
    region_code: str
    status: Status
    summary_id: str | None = Field(description="set once it has submitted (drafts stay the reporter's own)")
    submitted_on: date | None
    attachments: int


class OverviewOut(BaseModel):
    """总结报送情况: who in the caller's jurisdiction has reported and who not yet."""

    campaign_id: str
    title: str
    deadline: date | None
    due: int
    submitted: int
    items: list[DueOut]

    @classmethod
    def of(cls, overview: Overview) -> OverviewOut:
        items = []
        for d in overview.due:
            report = d.report if d.report is not None and d.report.status == "submitted" else None
            items.append(
                DueOut(
                    reporter=d.reporter.id,
                    reporter_kind=d.reporter.kind,
                    reporter_kind_name=KIND_NAMES[d.reporter.kind],
                    reporter_name=d.reporter.name,
                    region_code=d.reporter.region_code,
                    status=d.status,
                    summary_id=report.id if report else None,
                    submitted_on=report.submitted_on if report else None,
                    attachments=len(report.attachments) if report else 0,
                )
            )
        return cls(
            campaign_id=overview.rules.campaign_id,
            title=overview.rules.title,
            deadline=overview.rules.deadline,
            due=len(overview.due),
            submitted=overview.submitted,
            items=items,
        )
