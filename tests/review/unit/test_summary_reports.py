"""Summary reports' commands over fakes of their ports: who reports, the deadline, files, submission."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.review.domain.errors import DeadlinePassed, NotEligible, OutsideJurisdiction, Unknown, WrongState
from services.review.domain.summaries import SummaryRules
from services.review.service.ports import SummaryReads
from services.review.service.summary_overview import SummaryOverview
from services.review.service.summary_reports import Summaries
from shared.auth import Principal
from shared.events.payloads.summaries import SummaryDrafted, SummarySubmitted

from ..fakes import FakeAttachments, FakeClock, FakeRegions, FakeStore, FakeSummaryReads

TODAY = date(2026, 9, 20)
COUNTY = Principal("r-county", "reviewer", level="county", jurisdiction="610502")
CITY = Principal("r-city", "reviewer", level="city", jurisdiction="6105")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
RULES = SummaryRules("2026", "2026年全国科普日", ("county", "organizer"), TODAY + timedelta(days=5))


def service(
    rules: SummaryRules = RULES, today: date = TODAY
) -> tuple[Summaries, FakeStore[SummaryReads], FakeSummaryReads, FakeAttachments]:
    reads = FakeSummaryReads(rules)
    store: FakeStore[SummaryReads] = FakeStore(reads)
    files = FakeAttachments()
    return Summaries(store, files, FakeRegions(), 1 << 20, FakeClock(today)), store, reads, files


async def test_a_county_drafts_its_report_as_the_first_event_of_its_aggregate() -> None:
    summaries, store, _, _ = service()
    report = await summaries.draft(COUNTY, "2026", "全区开展活动52场")
    assert (report.status, report.version, report.reporter.name) == ("draft", 1, "临渭区科协")
    [event] = store.events
    assert isinstance(event, SummaryDrafted) and event.text == "全区开展活动52场"
    [changes] = store.submitted
    assert [insert.table.name for insert in changes.inserts] == ["review_summaries"]


async def test_after_the_deadline_nothing_changes() -> None:
    summaries, store, _, _ = service(today=TODAY + timedelta(days=6))
    with pytest.raises(DeadlinePassed) as refused:
        await summaries.draft(COUNTY, "2026", "迟到的总结")
    assert refused.value.field == "summary_deadline" and store.submitted == []


async def test_a_file_is_kept_before_its_event_and_told_by_its_bytes() -> None:
    summaries, store, _, files = service()
    report = await summaries.attach(COUNTY, "2026", "../总结.pdf", PDF)
    [attachment] = report.attachments
    assert attachment.filename == "总结.pdf" and attachment.content_type == "application/pdf"
    assert files.files[(report.id, attachment.file_id)] == PDF
    with pytest.raises(NotEligible):
        await summaries.attach(COUNTY, "2026", "a.exe", b"MZ\x90\x00")
    assert len(store.submitted) == 1


async def test_a_submitted_report_is_final_and_the_city_reads_it() -> None:
    summaries, store, reads, _ = service()
    drafted = await summaries.draft(COUNTY, "2026", "全区开展活动52场")
    reads.saved[drafted.id] = drafted
    submitted = await summaries.submit(COUNTY, "2026")
    assert submitted.status == "submitted" and isinstance(store.events[-1], SummarySubmitted)
    reads.saved[submitted.id] = submitted
    with pytest.raises(WrongState):
        await summaries.draft(COUNTY, "2026", "改一改")
    overview = SummaryOverview(summaries)
    assert (await overview.read(CITY, submitted.id)).text == "全区开展活动52场"
    seen = await overview.overview(CITY, "2026")
    assert {d.reporter.name: d.status for d in seen.due} == {"临渭区科协": "submitted", "华州区科协": "none"}


async def test_who_does_not_report_is_refused() -> None:
    summaries, _, reads, _ = service(replace(RULES, reporters=("organizer",)))
    with pytest.raises(OutsideJurisdiction):
        await summaries.draft(COUNTY, "2026", "x")
    with pytest.raises(Unknown, match="unit not known yet"):
        await summaries.draft(Principal("o", "organizer", unit_id="unit-9"), "2026", "x")
    reads.units["unit-9"] = {"unit_id": "unit-9", "name": "临渭区科普单位", "region_code": "610502"}
    report = await summaries.draft(Principal("o", "organizer", unit_id="unit-9"), "2026", "x")
    assert report.reporter.id == "organizer:unit-9"
