"""What the level above sees of summary reports: who in its jurisdiction has reported and who not yet,
each report, its attachments, and the list as a spreadsheet.

The reporters due are the divisions just below the viewer (from the packaged GB/T 2260 list) for the
associations of that level, the organizer units with a registered activity in the campaign inside the
viewer's region, and every national society that has begun a report (review knows no list of them).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook

from shared.auth import Principal
from shared.spreadsheets import xlsx_row

from ..domain.bodies import Body, body_of
from ..domain.errors import Unknown
from ..domain.summaries import KIND_NAMES, ReporterId, SummaryReport, SummaryRules, sees
from .ports import SummaryReads
from .summary_reports import Summaries

STATUS_NAMES = {"none": "未报送", "draft": "草稿（未提交）", "submitted": "已报送"}


@dataclass(frozen=True)
class Due:
    """One reporter due to report to the viewer, and its report when it has begun one."""

    reporter: ReporterId
    report: SummaryReport | None

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else "none"


@dataclass(frozen=True)
class Overview:
    rules: SummaryRules
    viewer: Body
    due: list[Due]

    @property
    def submitted(self) -> int:
        return sum(1 for d in self.due if d.status == "submitted")


class SummaryOverview:
    """Reads for the receiving level; every read stays inside the viewer's jurisdiction."""

    def __init__(self, summaries: Summaries) -> None:
        self._summaries = summaries

    async def overview(self, principal: Principal, campaign_id: str) -> Overview:
        viewer = body_of(principal)

        async def read(reads: SummaryReads) -> Overview:
            rules = await reads.rules(campaign_id)
            reporters: dict[str, ReporterId] = {}
            for kind in rules.expected_kinds(viewer):
                for reporter in await self._expected(reads, campaign_id, viewer, kind):
                    reporters[reporter.id] = reporter
            reports = {}
            for report in await reads.reports(campaign_id):
                if sees(viewer, report.reporter, rules):
                    reports[report.reporter.id] = report
                    reporters.setdefault(report.reporter.id, report.reporter)
            due = [Due(r, reports.get(key)) for key, r in sorted(reporters.items(), key=lambda i: _order(i[1]))]
            return Overview(rules, viewer, due)

        return await self._summaries.reports.read(read)

    async def read(self, principal: Principal, summary_id: str) -> SummaryReport:
        """A report the caller receives, or its own (:class:`Unknown` otherwise)."""

        async def load(reads: SummaryReads) -> SummaryReport:
            report = await reads.report(summary_id)
            if report is None:
                raise Unknown(f"工作总结 {summary_id} 不存在 (no such summary in your jurisdiction)")
            if principal.role == "organizer":
                allowed = report.reporter.id == f"organizer:{principal.unit_id}"
            else:
                viewer = body_of(principal)
                own = f"society:{viewer.field}" if viewer.field else f"{viewer.level}:{viewer.jurisdiction}"
                rules = await reads.rules(report.campaign_id)
                allowed = report.reporter.id == own or (
                    report.status == "submitted" and sees(viewer, report.reporter, rules)
                )
            if not allowed:
                raise Unknown(f"工作总结 {summary_id} 不存在 (no such summary in your jurisdiction)")
            return report

        return await self._summaries.reports.read(load)

    async def attachment(self, principal: Principal, summary_id: str, file_id: str) -> tuple[str, str, bytes]:
        """(filename, content type, bytes) of one attached file of a report the caller may read."""
        report = await self.read(principal, summary_id)
        found = next((a for a in report.attachments if a.file_id == file_id), None)
        data = await self._summaries.store.get(summary_id, file_id) if found is not None else None
        if found is None or data is None:
            raise Unknown(f"附件 {file_id} 不存在 (no such attachment)")
        return found.filename, found.content_type, data

    async def _expected(self, reads: SummaryReads, campaign_id: str, viewer: Body, kind: str) -> list[ReporterId]:
        regions = self._summaries.regions
        if kind in ("county", "city", "province"):
            return [
                ReporterId(kind, code, f"{name}科协", code)  # type: ignore[arg-type]
                for code, name in regions.children(viewer.jurisdiction)
            ]
        if kind != "organizer":
            return []  # societies: only those that began a report
        return await reads.organizers(campaign_id, viewer.jurisdiction)


def _order(reporter: ReporterId) -> tuple[int, str, str]:
    return (list(KIND_NAMES).index(reporter.kind), reporter.region_code, reporter.name)


def overview_book(overview: Overview) -> bytes:
    """The list as an .xlsx, every cell through the platform's safe writer (``shared/spreadsheets.py``)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("工作总结报送情况")
    header = ["报送单位", "类型", "地区代码", "状态", "提交日期", "附件数", "总结正文"]
    sheet.append(xlsx_row(sheet, header))
    for due in overview.due:
        report = due.report
        values: list[Any] = [
            due.reporter.name,
            KIND_NAMES[due.reporter.kind],
            due.reporter.region_code,
            STATUS_NAMES[due.status],
            report.submitted_on.isoformat() if report and report.submitted_on else "",
            len(report.attachments) if report else 0,
            report.text if report and report.status == "submitted" else "",
        ]
        sheet.append(xlsx_row(sheet, values))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def days_left(rules: SummaryRules, today: date) -> int | None:
    return (rules.deadline - today).days if rules.deadline else None
