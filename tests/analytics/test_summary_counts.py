"""Summary reports (工作总结) counted per region: due are every county of the city (from the packaged
division list) and every organizer with an activity; reported are the submitted reports; a draft, or a
redelivered older event, does not count as reported."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine

from services.analytics.adapters.summary_reports import SqlSummaries
from services.analytics.adapters.tables import metadata
from services.analytics.projections.summary_reports import SummariesProjection
from services.analytics.service.summary_counts import summary_counts
from shared.events import Envelope
from shared.events.payloads.activities import ActivityRegistered
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.summaries import SummaryDrafted, SummarySubmitted
from shared.regions import PackagedRegions

from .test_views import DAYS, START, apply_in_batches, delivery, envelope

WEINAN = CampaignConfigured(
    campaign_id="2026", year=2026, title="2026年渭南市全国科普日", week_starts_on=DAYS[0], week_ends_on=DAYS[-1],
    summary_deadline=date(2026, 9, 25), settings={"region_code": "6105", "summary": {"reporters": ["county", "organizer"]}},
)  # fmt: skip


def registered(n: int, unit: str, region: str) -> Envelope:
    starts = datetime(2026, 9, 15, 2, tzinfo=UTC)
    payload = ActivityRegistered(
        activity_id=f"a{n}", campaign_id="2026", name="科普讲座", organizer_id=unit, organizer_name="单位",
        region_code=region, starts_at=starts, ends_at=starts + timedelta(hours=1), format="offline",
    )  # fmt: skip
    return envelope(payload, f"a{n}", 1, START)


def report(reporter: str, region: str, sequence: int, submitted: bool) -> Envelope:
    kind = reporter.partition(":")[0]
    common = dict(
        summary_id=reporter.replace(":", "")[:32].ljust(32, "0"), campaign_id="2026", reporter=reporter,
        reporter_kind=kind, reporter_name="报送单位", region_code=region, text="总结",
    )  # fmt: skip
    payload = (
        SummarySubmitted(**common, submitted_on=date(2026, 9, 20), deadline=date(2026, 9, 25))  # type: ignore[arg-type]
        if submitted
        else SummaryDrafted(**common)  # type: ignore[arg-type]
    )
    return envelope(payload, str(common["summary_id"]), sequence, START)


def test_reported_and_due_per_county_of_the_city() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    linwei = report("county:610502", "610502", 2, submitted=True)
    history = [
        envelope(WEINAN, "2026", 1, START),
        registered(1, "unit-1", "610502"),
        registered(2, "unit-2", "610503"),
        report("county:610502", "610502", 1, submitted=False),
        linwei,
        report("organizer:unit-2", "610503", 1, submitted=False),  # a draft is not a report
    ]
    projection = SummariesProjection()
    with engine.begin() as connection:
        apply_in_batches(connection, history, [3])
        projection.apply(connection, [delivery(e) for e in history if e.type != "activity-registered"])
        projection.apply(connection, [delivery(report("county:610502", "610502", 1, submitted=False))])  # older
    with engine.connect() as connection:
        counts = summary_counts(SqlSummaries(connection), "2026", "6105", PackagedRegions())
    lines = {line["region_code"]: (line["due"], line["reported"]) for line in counts["regions"]}
    assert lines["610502"] == (2, 1)  # 临渭区科协 (reported) and unit-1 (not yet)
    assert lines["610503"] == (2, 0)  # 华州区科协 and unit-2 (a draft)
    assert lines["610581"] == (1, 0)  # 韩城市: a county with no activity still reports
    assert counts["reported"] == 1 and counts["due"] == len(lines) + 2
