"""A local rule counts only its campaign's region: an activity registered outside it (the log may
hold one from before registration enforced the region) is not counted against a county of the city."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine

from services.analytics.adapters.statistics import SqlStatistics
from services.analytics.adapters.tables import metadata
from services.analytics.service import statistics as stats
from shared.events import Envelope
from shared.events.payloads.activities import ActivityRegistered
from shared.events.payloads.campaigns import CampaignConfigured, LocalRule

from .test_views import DAYS, START, apply_in_batches, envelope

WEINAN = CampaignConfigured(
    campaign_id="2026", year=2026, title="2026年渭南市全国科普日", week_starts_on=DAYS[0], week_ends_on=DAYS[-1],
    local_rules=[LocalRule(name="食品安全科普活动（县区食安考核）", kind="name_contains", match="食品安全", per="county")],
    settings={"region_code": "6105"},
)  # fmt: skip


def food_safety(n: int, region: str) -> Envelope:
    starts = datetime(2026, 9, 15, 2, tzinfo=UTC)
    payload = ActivityRegistered(
        activity_id=f"a{n}", campaign_id="2026", name=f"食品安全进社区{n}", organizer_name="单位", region_code=region,
        starts_at=starts, ends_at=starts + timedelta(hours=1), format="offline",
    )  # fmt: skip
    return envelope(payload, f"a{n}", 1, START + timedelta(minutes=n))


def test_a_local_rule_counts_only_activities_in_its_campaigns_region() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    history = [
        envelope(WEINAN, "2026", 1, START),
        food_safety(1, "610502"),
        food_safety(2, "610502"),
        food_safety(3, "440106"),  # 天河区, registered into Weinan's campaign before the region was enforced
        food_safety(4, "610503"),
    ]
    with engine.begin() as connection:
        apply_in_batches(connection, history, [2])
    with engine.connect() as connection:
        [rule] = stats.local_rules(SqlStatistics(connection), stats.Filters("2026"))
    assert [(r["code"], r["name"], r["activities"]) for r in rule["regions"]] == [
        ("610502", "临渭区", 2),
        ("610503", "华州区", 1),
    ]
    assert rule["total"] == 3


def test_a_campaign_that_leaves_its_region_counts_everywhere_again() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    national = WEINAN.model_copy(update={"settings": {}})
    history = [envelope(WEINAN, "2026", 1, START), food_safety(1, "440106"), envelope(national, "2026", 2, START)]
    with engine.begin() as connection:
        apply_in_batches(connection, history, [])
    with engine.connect() as connection:
        [rule] = stats.local_rules(SqlStatistics(connection), stats.Filters("2026"))
    assert rule["total"] == 1 and rule["regions"][0]["code"] == "440106"
