"""The rules of summary reports (工作总结), free of I/O: who reports, who receives, the deadline,
what a report may become, and which files are accepted."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from services.review.domain.bodies import Body
from services.review.domain.errors import DeadlinePassed, NotEligible, OutsideJurisdiction, WrongState
from services.review.domain.files import FileRefused, clean_name, sniff
from services.review.domain.summaries import Attachment, ReporterId, SummaryReport, SummaryRules, reporter_of_body, sees

DEADLINE = date(2022, 9, 25)
WEINAN = SummaryRules("2022-weinan", "2022年渭南市全国科普日", ("county", "organizer"), DEADLINE)
NATIONAL_2023 = SummaryRules("2023-national", "2023年全国科普日", ("province", "society"), date(2023, 10, 10))
LINWEI = ReporterId("county", "610502", "临渭区科协", "610502")


def report(rules: SummaryRules = WEINAN, reporter: ReporterId = LINWEI) -> SummaryReport:
    return SummaryReport(reporter.summary_id(rules.campaign_id), rules.campaign_id, reporter)


def test_a_draft_is_saved_and_submitted_on_the_deadline_day() -> None:
    drafted = report().drafted("本县开展活动 52 场", WEINAN, DEADLINE)
    done = drafted.submitted(WEINAN, DEADLINE)
    assert (done.status, done.version, done.submitted_on) == ("submitted", 2, DEADLINE)


def test_after_the_deadline_nothing_changes_and_the_refusal_names_the_day() -> None:
    drafted = report().drafted("总结", WEINAN, DEADLINE)
    with pytest.raises(DeadlinePassed, match="2022-09-25"):
        drafted.submitted(WEINAN, date(2022, 9, 26))
    with pytest.raises(DeadlinePassed, match="工作总结报送截止日期"):
        report().drafted("总结", WEINAN, date(2022, 9, 26))


def test_a_submitted_report_is_final() -> None:
    done = report().drafted("总结", WEINAN, DEADLINE).submitted(WEINAN, DEADLINE)
    with pytest.raises(WrongState):
        done.drafted("改一下", WEINAN, DEADLINE)


def test_an_empty_report_cannot_be_submitted() -> None:
    with pytest.raises(NotEligible, match="总结正文"):
        report().drafted("  ", WEINAN, DEADLINE).submitted(WEINAN, DEADLINE)


def test_a_file_alone_may_be_submitted() -> None:
    attached = report().attached(Attachment("a" * 32, "总结.pdf", "application/pdf", 10), WEINAN, DEADLINE)
    assert attached.submitted(WEINAN, DEADLINE).status == "submitted"


def test_only_the_campaigns_kinds_of_reporter_report() -> None:
    WEINAN.require_reporter("county")
    WEINAN.require_reporter("organizer")
    with pytest.raises(OutsideJurisdiction, match="县级科协、活动举办单位"):
        WEINAN.require_reporter("province")
    with pytest.raises(OutsideJurisdiction):
        NATIONAL_2023.require_reporter("organizer")


def test_each_level_reports_to_the_level_above() -> None:
    assert WEINAN.expected_kinds(Body("city", "6105")) == ("county", "organizer")
    assert WEINAN.expected_kinds(Body("province", "61")) == ("organizer",)
    assert NATIONAL_2023.expected_kinds(Body("national")) == ("province", "society")
    assert NATIONAL_2023.expected_kinds(Body("city", "6105")) == ()
    assert NATIONAL_2023.expected_kinds(Body("national", "society:卫生健康")) == ()


def test_the_level_above_sees_only_its_own_jurisdiction() -> None:
    assert sees(Body("city", "6105"), LINWEI, WEINAN)
    assert not sees(Body("city", "6101"), LINWEI, WEINAN)
    assert not sees(Body("county", "610502"), LINWEI, WEINAN)
    society = ReporterId("society", "卫生健康", "全国学会·卫生健康", "")
    assert sees(Body("national"), society, NATIONAL_2023)


def test_the_reporter_a_body_is() -> None:
    assert reporter_of_body(Body("county", "610502"), "临渭区").id == "county:610502"
    assert reporter_of_body(Body("national", "society:卫生健康"), None).kind == "society"
    with pytest.raises(OutsideJurisdiction):
        reporter_of_body(Body("national"), None)


def _zip(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0....", "jpg"),
        (_zip("word/document.xml"), "docx"),
        (_zip("xl/workbook.xml"), "xlsx"),
    ],
)
def test_files_are_told_by_their_content(data: bytes, extension: str) -> None:
    assert sniff(data) == extension


@pytest.mark.parametrize("data", [b"", b"<html>", b"MZ\x90\x00", _zip("evil.txt")])
def test_other_files_are_refused(data: bytes) -> None:
    with pytest.raises(FileRefused):
        sniff(data)


def test_names_lose_paths_and_take_the_detected_extension() -> None:
    assert clean_name("../../etc/passwd", "pdf") == "passwd.pdf"
    assert clean_name("C:\\报告\\临渭区总结.exe", "docx") == "临渭区总结.docx"
    assert clean_name("a\x00b<c>.pdf", "pdf") == "abc.pdf"
    assert clean_name("...", "png") == "附件.png"
