"""Review's service layer for summary reports (工作总结): draft, attach, submit, each durable when it returns.

Each command loads the campaign's summary step and the caller's report, lets ``domain/summaries.py``
decide, and submits the event (``summary-drafted`` / ``summary-submitted`` on the report's own
aggregate) with the report's state row as one :class:`~shared.store.Changes`. A lost race on the
aggregate's version reads and decides again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from shared.auth import Principal
from shared.events import CATALOG
from shared.events.payloads.summaries import SummaryAttachment, SummaryDrafted, SummarySubmitted
from shared.observability.logging import correlation_id
from shared.store import Changes

from ..adapters.summary_rows import report_changes
from ..domain.bodies import body_of
from ..domain.errors import NotEligible, OutsideJurisdiction, Unknown
from ..domain.files import TYPES, clean_name, sniff
from ..domain.summaries import Attachment, ReporterId, SummaryReport, SummaryRules, reporter_of_body
from .ports import AttachmentStore, Clock, CommandStore, Regions, SummaryReads
from .retrying import decided

SOURCE = "/kepuri/review"


class Summaries:
    """A reporter's own summary report: read, draft, attach, detach, submit."""

    def __init__(
        self,
        reports: CommandStore[SummaryReads],
        store: AttachmentStore,
        regions: Regions,
        max_file_bytes: int,
        clock: Clock,
    ) -> None:
        self.reports = reports
        self.store = store
        self.regions = regions
        self.max_file_bytes = max_file_bytes
        self._clock = clock

    async def mine(self, principal: Principal, campaign_id: str) -> tuple[SummaryReport, SummaryRules]:
        async def read(reads: SummaryReads) -> tuple[SummaryReport, SummaryRules]:
            return await self._load(reads, principal, campaign_id)

        return await self.reports.read(read)

    async def draft(self, principal: Principal, campaign_id: str, text: str) -> SummaryReport:
        return await self._change(principal, campaign_id, lambda r, rules: r.drafted(text, rules, self._clock.today()))

    async def attach(self, principal: Principal, campaign_id: str, given_name: str, data: bytes) -> SummaryReport:
        if len(data) > self.max_file_bytes:
            raise NotEligible(f"附件最大 {self.max_file_bytes // (1 << 20)} MiB (the file is too large)", field="file")
        extension = sniff(data)
        attachment = Attachment(uuid.uuid4().hex, clean_name(given_name, extension), TYPES[extension], len(data))
        current, rules = await self.mine(principal, campaign_id)
        current.attached(attachment, rules, self._clock.today())  # refuse before the bytes are kept
        await self.store.put(current.id, attachment.file_id, data)
        return await self._change(
            principal, campaign_id, lambda r, rules: r.attached(attachment, rules, self._clock.today())
        )

    async def detach(self, principal: Principal, campaign_id: str, file_id: str) -> SummaryReport:
        return await self._change(
            principal, campaign_id, lambda r, rules: r.detached(file_id, rules, self._clock.today())
        )

    async def submit(self, principal: Principal, campaign_id: str) -> SummaryReport:
        return await self._change(principal, campaign_id, lambda r, rules: r.submitted(rules, self._clock.today()))

    # ── the machinery ──

    async def reporter(self, reads: SummaryReads, principal: Principal) -> ReporterId:
        """Who the caller reports as: its body (a reviewer) or its unit (an organizer)."""
        if principal.role == "organizer" and principal.unit_id:
            unit = await reads.unit(principal.unit_id)
            if unit is None:
                raise Unknown(f"单位 {principal.unit_id} 尚未同步到审核服务，请稍后再试 (unit not known yet)")
            return ReporterId("organizer", unit["unit_id"], unit["name"], unit["region_code"])
        if principal.role != "reviewer":
            raise OutsideJurisdiction("只有审核单位或活动举办单位报送工作总结 (only bodies and organizers report)")
        body = body_of(principal)
        return reporter_of_body(body, self.regions.name(body.jurisdiction) if body.jurisdiction else None)

    async def _load(
        self, reads: SummaryReads, principal: Principal, campaign_id: str
    ) -> tuple[SummaryReport, SummaryRules]:
        rules = await reads.rules(campaign_id)
        reporter = await self.reporter(reads, principal)
        rules.require_reporter(reporter.kind)
        summary_id = reporter.summary_id(campaign_id)
        report = await reads.report(summary_id) or SummaryReport(summary_id, campaign_id, reporter)
        return report, rules

    async def _change(
        self,
        principal: Principal,
        campaign_id: str,
        decide: Callable[[SummaryReport, SummaryRules], SummaryReport],
    ) -> SummaryReport:
        async def attempt(reads: SummaryReads) -> tuple[SummaryReport, Changes]:
            before, rules = await self._load(reads, principal, campaign_id)
            after = decide(before, rules)
            return after, self._changes(before, after, rules)

        return await decided(self.reports, attempt)

    def _changes(self, before: SummaryReport, after: SummaryReport, rules: SummaryRules) -> Changes:
        reporter = after.reporter
        common: Mapping[str, Any] = {
            "summary_id": after.id,
            "campaign_id": after.campaign_id,
            "reporter": reporter.id,
            "reporter_kind": reporter.kind,
            "reporter_name": reporter.name,
            "region_code": reporter.region_code,
            "text": after.text,
            "attachments": [SummaryAttachment(**vars(a)) for a in after.attachments],
        }
        if after.status == "submitted":
            assert after.submitted_on is not None
            payload: Any = SummarySubmitted(**common, submitted_on=after.submitted_on, deadline=rules.deadline)
        else:
            payload = SummaryDrafted(**common)
        envelope = CATALOG.envelope(
            payload,
            subject=after.id,
            sequence=after.version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=after.campaign_id,
        )
        return report_changes(before.version, after, envelope, self._clock.now())
