"""Summary reports (工作总结): who reports to whom, until when, and what a report may become.

A campaign's ``settings.summary`` names the kinds of reporter: the associations of a level (each
reports to the level above it), national societies (to the national organisers) and organizer units
(seen by every body whose region holds them). A report is drafted, then submitted once, on or before
the campaign's summary deadline (a China day); after it nothing changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date

from shared.events.payloads.campaigns import Reporter

from .bodies import SOCIETY, Body
from .errors import DeadlinePassed, NotEligible, OutsideJurisdiction, WrongState

# the level each kind of association reports to
REPORTS_TO = {"county": "city", "city": "province", "province": "national", "society": "national"}
KIND_NAMES = {
    "county": "县级科协",
    "city": "市级科协",
    "province": "省级科协",
    "society": "全国学会",
    "organizer": "活动举办单位",
}
MAX_TEXT = 20_000
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class SummaryRules:
    """A campaign's summary step: its kinds of reporter and its deadline (None: no deadline set)."""

    campaign_id: str
    title: str
    reporters: tuple[Reporter, ...]
    deadline: date | None

    def require_reporter(self, kind: Reporter) -> None:
        if kind not in self.reporters:
            wanted = "、".join(KIND_NAMES[k] for k in self.reporters)
            raise OutsideJurisdiction(
                f"{self.title} 的工作总结由{wanted}报送，{KIND_NAMES[kind]}无需报送 (you do not report in this campaign)"
            )

    def require_open(self, today: date) -> None:
        """Refuse any change after the summary deadline (:class:`DeadlinePassed` naming the day)."""
        if self.deadline is not None and today > self.deadline:
            raise DeadlinePassed(
                f"工作总结报送截止日期 {self.deadline.isoformat()} 已过，不能再修改或提交 "
                f"(the summary deadline {self.deadline.isoformat()} has passed)",
                field="summary_deadline",
            )

    def expected_kinds(self, viewer: Body) -> tuple[Reporter, ...]:
        """The kinds of reporter whose reports ``viewer`` receives: the level just below it, societies
        for the national organisers, organizer units for any regional body."""
        if viewer.field is not None:
            return ()
        kinds: list[Reporter] = [k for k in self.reporters if k != "organizer" and REPORTS_TO[k] == viewer.level]
        if "organizer" in self.reporters:
            kinds.append("organizer")
        return tuple(kinds)


@dataclass(frozen=True)
class ReporterId:
    """Who reports: ``kind`` and its key (a region code, a society's field or a unit id)."""

    kind: Reporter
    key: str
    name: str
    region_code: str  # '' for a society

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.key}"

    def summary_id(self, campaign_id: str) -> str:
        """The report's aggregate id: one report per campaign and reporter."""
        return hashlib.sha256(f"summary|{campaign_id}|{self.id}".encode()).hexdigest()[:32]


def reporter_of_body(body: Body, region_name: str | None) -> ReporterId:
    """The reporter a reviewing body is (a national body other than a society reports to no one)."""
    if body.field is not None:
        return ReporterId("society", body.field, f"全国学会·{body.field}", "")
    if body.level == "national":
        raise OutsideJurisdiction("全国组织单位接收工作总结，不报送 (the national organisers receive summaries)")
    name = f"{region_name or body.jurisdiction}科协"
    return ReporterId(body.level, body.jurisdiction, name, body.jurisdiction)


def sees(viewer: Body, reporter: ReporterId, rules: SummaryRules) -> bool:
    """Whether ``viewer`` receives ``reporter``'s report."""
    if reporter.kind not in rules.expected_kinds(viewer):
        return False
    if reporter.kind == "society":
        return True
    return viewer.covers_region(reporter.region_code)


@dataclass(frozen=True)
class Attachment:
    file_id: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class SummaryReport:
    """A reporter's report of a campaign; ``version`` is its aggregate's (0: not yet drafted)."""

    id: str
    campaign_id: str
    reporter: ReporterId
    text: str = ""
    attachments: tuple[Attachment, ...] = field(default=())
    status: str = "none"  # none, draft, submitted
    version: int = 0
    submitted_on: date | None = None

    def _require_changeable(self, rules: SummaryRules, today: date) -> None:
        if self.status == "submitted":
            raise WrongState("工作总结已提交，不能再修改 (the summary is already submitted)")
        rules.require_open(today)

    def drafted(self, text: str, rules: SummaryRules, today: date) -> SummaryReport:
        self._require_changeable(rules, today)
        if len(text) > MAX_TEXT:
            raise NotEligible(f"总结正文最多 {MAX_TEXT} 字 (text too long)", field="text")
        return replace(self, text=text, status="draft", version=self.version + 1)

    def attached(self, attachment: Attachment, rules: SummaryRules, today: date) -> SummaryReport:
        self._require_changeable(rules, today)
        if len(self.attachments) >= MAX_ATTACHMENTS:
            raise NotEligible(f"附件最多 {MAX_ATTACHMENTS} 个 (at most {MAX_ATTACHMENTS} files)", field="file")
        return replace(self, attachments=(*self.attachments, attachment), status="draft", version=self.version + 1)

    def detached(self, file_id: str, rules: SummaryRules, today: date) -> SummaryReport:
        self._require_changeable(rules, today)
        kept = tuple(a for a in self.attachments if a.file_id != file_id)
        return replace(self, attachments=kept, status="draft", version=self.version + 1)

    def submitted(self, rules: SummaryRules, today: date) -> SummaryReport:
        self._require_changeable(rules, today)
        if not self.text.strip() and not self.attachments:
            raise NotEligible(
                "请填写总结正文或上传附件后再提交 (write the summary or attach a file first)", field="text"
            )
        return replace(self, status="submitted", version=self.version + 1, submitted_on=today)


__all__ = ["SOCIETY", "Attachment", "ReporterId", "SummaryReport", "SummaryRules", "reporter_of_body", "sees"]
