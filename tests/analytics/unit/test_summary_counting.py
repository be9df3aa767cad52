"""Summary reports due and reported per division, counted from a fake reader (no database)."""

from __future__ import annotations

from services.analytics.service.summary_counts import summary_counts
from shared.regions import PackagedRegions

from ..fakes import FakeSummaries

REGIONS = PackagedRegions()


def test_every_county_of_the_city_is_due_whether_or_not_it_held_an_activity() -> None:
    reader = FakeSummaries(kinds=["county"], report_rows=[("county:610502", "county", "610502", True)])
    counts = summary_counts(reader, "2026", "6105", REGIONS)
    lines = {line["region_code"]: line for line in counts["regions"]}
    assert lines["610502"] == {"region_code": "610502", "name": "临渭区", "due": 1, "reported": 1}
    assert lines["610503"]["due"] == 1 and lines["610503"]["reported"] == 0
    assert counts["due"] == len(lines) and counts["reported"] == 1


def test_organizers_are_due_where_they_registered_and_reports_of_kinds_not_asked_for_are_left_out() -> None:
    reader = FakeSummaries(
        kinds=["organizer"],
        organizer_rows=[("u1", "610502"), ("u2", "610502"), ("u3", "610103")],
        report_rows=[("organizer:u1", "organizer", "610502", True), ("county:610502", "county", "610502", True)],
    )
    counts = summary_counts(reader, "2026", "6105", REGIONS)
    [linwei] = [line for line in counts["regions"] if line["region_code"] == "610502"]
    assert (linwei["due"], linwei["reported"]) == (2, 1)  # u1 (who reported) and u2; u3 is outside the city
    assert counts["due"] == 2


def test_national_societies_are_one_line_of_their_own_for_all_china() -> None:
    reader = FakeSummaries(kinds=["society"], report_rows=[("s1", "society", "", True), ("s2", "society", "", False)])
    counts = summary_counts(reader, "2026", "", REGIONS)
    assert counts["regions"][-1] == {"region_code": "", "name": "全国学会", "due": 2, "reported": 1}
