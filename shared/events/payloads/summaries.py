"""Payloads of summary reports (工作总结): a reporting body or organizer drafts and submits its report.

The aggregate is one report per campaign and reporter (its id a digest of both); it rides the reviews
stream, keyed by that id. A report names no private person: its text and files are the body's own.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from .base import EventPayload
from .campaigns import Reporter


class SummaryAttachment(BaseModel):
    """A file attached to a report: its id in review's storage, its sanitised name, type and size."""

    model_config = ConfigDict(frozen=True)

    file_id: str
    filename: str
    content_type: str
    size: int = Field(ge=0)


class SummaryDrafted(EventPayload):
    """The reporter saved its report's draft (text and attachments as they now stand)."""

    event_type = "summary-drafted"
    version = 1

    summary_id: str
    campaign_id: str
    reporter: str = Field(description="county:610502, city:6105, province:61, society:<field> or organizer:<unit id>")
    reporter_kind: Reporter
    reporter_name: str
    region_code: str = Field(description="the reporter's region ('' for a national society)")
    text: str
    attachments: list[SummaryAttachment] = Field(default_factory=list)


class SummarySubmitted(EventPayload):
    """The reporter submitted its report before the campaign's summary deadline; it is final."""

    event_type = "summary-submitted"
    version = 1

    summary_id: str
    campaign_id: str
    reporter: str
    reporter_kind: Reporter
    reporter_name: str
    region_code: str
    submitted_on: date = Field(description="the China day it was submitted")
    deadline: date | None = Field(None, description="the campaign's summary deadline, when it has one")
    text: str
    attachments: list[SummaryAttachment] = Field(default_factory=list)
