"""The statistics shaped from the views' aggregates: rates, region names, order, defaults (no database)."""

from __future__ import annotations

from services.analytics.domain.statistics import Filters, Measures, UnitMeasures
from services.analytics.service import statistics

from ..fakes import FakeStatistics

WEINAN = Filters("2022-weinan", region="6105")


def test_totals_derive_the_completion_rate_and_the_average_rating() -> None:
    reader = FakeStatistics(total=Measures(activities=4, info_completed=1, feedback=3, rating_sum=13, online_works=2))
    figures = statistics.totals(reader, WEINAN)
    assert figures["completion_rate"] == 0.25 and figures["rating_avg"] == 4.33 and figures["online_works"] == 2
    assert reader.asked == [("totals", WEINAN)]


def test_no_activities_and_no_feedback_have_no_rate_and_no_average() -> None:
    figures = statistics.totals(FakeStatistics(), WEINAN)
    assert figures["activities"] == 0 and figures["completion_rate"] is None and figures["rating_avg"] is None


def test_a_breakdown_puts_most_activities_first_then_orders_by_key_and_names_regions() -> None:
    reader = FakeStatistics(
        groups={
            "county": [
                Measures(key="610503", activities=2),
                Measures(key="610502", activities=5),
                Measures(key="610502", activities=0),
                Measures(key=None, activities=2),
            ]
        }
    )
    rows = statistics.breakdown(reader, WEINAN, "county")
    assert [(r["key"], r["activities"]) for r in rows] == [("610502", 5), ("610503", 2), (None, 2), ("610502", 0)]
    assert rows[0]["name"] == "临渭区" and rows[2]["name"] is None


def test_a_breakdown_by_a_dimension_that_is_no_region_carries_no_name() -> None:
    reader = FakeStatistics(groups={"category": [Measures(key="讲座", activities=1)]})
    [row] = statistics.breakdown(reader, WEINAN, "category")
    assert "name" not in row and row["key"] == "讲座"


def test_recommendations_name_every_level_even_without_any() -> None:
    reader = FakeStatistics(recommended_activities={"city": 2}, recommended_units={"national": 1})
    answer = statistics.recommendations(reader, WEINAN)
    assert answer == {
        "activities": {"county": 0, "city": 2, "province": 0, "national": 0},
        "units": {"county": 0, "city": 0, "province": 0, "national": 1},
    }


def test_notifications_put_sent_and_failed_of_a_kind_and_channel_on_one_line_in_order() -> None:
    reader = FakeStatistics(
        notification_rows=[
            ("thanks", "sms", "failed", 1),
            ("approval", "email", "sent", 3),
            ("thanks", "sms", "sent", 7),
        ]
    )
    assert statistics.notifications(reader, None) == [
        {"kind": "approval", "channel": "email", "sent": 3, "failed": 0},
        {"kind": "thanks", "channel": "sms", "sent": 7, "failed": 1},
    ]


def test_per_minute_asks_for_the_latest_day_of_minutes_without_since() -> None:
    reader = FakeStatistics(per_minute=[("2022-09-18T09:00", 3)])
    assert statistics.per_minute(reader, "2022-weinan", None, None) == [
        {"minute": "2022-09-18T09:00", "registrations": 3}
    ]
    assert reader.asked == [("minutes", ("2022-weinan", None, None, 1440))]


def test_a_local_rule_counts_inside_the_campaigns_region_and_totals_its_regions() -> None:
    rule = {"name": "食品安全", "kind": "name_contains", "match": "食品安全", "per": "county"}
    reader = FakeStatistics(
        local_rules=[rule], campaign_region="6105", matches={"食品安全": [("610502", 2), ("610503", 1)]}
    )
    [counted] = statistics.local_rules(reader, WEINAN)
    assert counted["total"] == 3 and counted["regions"][0] == {"code": "610502", "name": "临渭区", "activities": 2}
    assert ("rule_matches", "6105") in reader.asked


def test_the_scoreboard_names_units_by_their_name_and_regions_by_theirs() -> None:
    board = [UnitMeasures(key="u1", activities=3, recommended=1, commended=1, unit_name="渭南市科协")]
    reader = FakeStatistics(board=board, campaign_indicators=["活动数"])
    answer = statistics.scoreboard(reader, WEINAN, "unit", 10)
    assert answer["indicators"] == ["活动数"]
    assert answer["rows"][0]["name"] == "渭南市科协" and answer["rows"][0]["recommended"] == 1
    regional = FakeStatistics(board=[UnitMeasures(key="6105", activities=1, unit_name="x")])
    assert statistics.scoreboard(regional, WEINAN, "city", 10)["rows"][0]["name"] == "渭南市"
