"""Every analytics view matches a brute-force recount of the same events (property-based).

Random histories of a few activities (registration, changes, withdrawal, info completion, verdicts,
recommendations and their withdrawal, check-ins, feedback, notifications), with events published
twice and review or participation events that arrive before the registration, are applied to the
projections in random batches; the answers of :mod:`services.analytics.service.statistics` must equal what a
plain Python recount of the history says.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, select

from services.analytics.adapters.counts_recount import recount
from services.analytics.adapters.statistics import SqlStatistics
from services.analytics.adapters.tables import activity_counts, metadata
from services.analytics.projections.counters import CountersProjection
from services.analytics.projections.dimensions import china_minute
from services.analytics.projections.facts import LEVEL_RANK, FactsProjection
from services.analytics.projections.tallies import MEASURES
from services.analytics.service import statistics as stats
from shared.bus import Record
from shared.consumer import Delivery
from shared.events import CATALOG, Envelope, EventPayload, to_message
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured, LocalRule
from shared.events.payloads.notifications import NotificationFailed, NotificationSent
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.events.payloads.reviews import ActivityApproved, ActivityRejected, RecommendationWithdrawn, Recommended

REGIONS = ("610502", "610503", "610103")
CATEGORIES = ("科普讲座", "科技展览", None)
THEMES = ("食品安全", "卫生健康", "农业生产")
TARGETS = ("青少年", "老年人")
DAYS = (date(2026, 9, 15), date(2026, 9, 16), date(2026, 9, 17))
LEVELS = ("county", "city", "province")
START = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
_offsets = itertools.count()


def envelope(payload: EventPayload, subject: str, sequence: int, at: datetime) -> Envelope:
    e = CATALOG.envelope(payload, subject=subject, sequence=sequence, source="/tests", campaign="2026")
    return e.model_copy(update={"time": at})


def delivery(e: Envelope) -> Delivery:
    message = to_message(e, CATALOG[e.type].topic.name)
    record = Record(message.topic, 0, next(_offsets), message.key, message.value, message.headers, 0)
    return Delivery(record, e, CATALOG.payload(e))


@st.composite
def histories(draw: st.DrawFn) -> list[Envelope]:
    """Per activity: maybe early facts, its registration, then operations; interleaved; some twice."""
    streams: list[list[Envelope]] = []
    clock = itertools.count()

    def at() -> datetime:
        return START + timedelta(seconds=37 * next(clock))

    for a in range(draw(st.integers(1, 4))):
        activity_id, seq = f"a{a}", itertools.count(1)
        events: list[Envelope] = []

        def fact(payload: EventPayload, subject: str | None = None, _id: str = activity_id) -> Envelope:
            return envelope(payload, subject or _id, 1, at())

        if draw(st.booleans()):  # a check-in read before the registration (another topic)
            events.append(fact(ParticipationRecorded(activity_id=activity_id, participant_ref="early")))
        day = draw(st.sampled_from(DAYS))
        starts = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
        food = draw(st.booleans())
        registered = ActivityRegistered(
            activity_id=activity_id,
            campaign_id="2026",
            name=("食品安全" if food else "") + f"活动{a}",
            organizer_id=draw(st.sampled_from(("u1", "u2"))),
            organizer_name="某单位",
            region_code=draw(st.sampled_from(REGIONS)),
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            format=draw(st.sampled_from(("offline", "online", "both"))),
            category=draw(st.sampled_from(CATEGORIES)),
            themes=draw(st.lists(st.sampled_from(THEMES), max_size=2)),
            target_groups=draw(st.lists(st.sampled_from(TARGETS), max_size=2)),
            science_worker_count=draw(st.integers(0, 5)),
        )
        events.append(envelope(registered, activity_id, next(seq), at()))
        recommendations = 0
        for op in draw(st.lists(st.sampled_from(OPERATIONS), max_size=8)):
            if op == "update":
                changes = {
                    "category": draw(st.sampled_from(CATEGORIES)),
                    "themes": draw(st.lists(st.sampled_from(THEMES), max_size=2)),
                }
                events.append(
                    envelope(ActivityUpdated(activity_id=activity_id, changes=changes), activity_id, next(seq), at())
                )
            elif op == "withdraw":
                events.append(envelope(ActivityWithdrawn(activity_id=activity_id), activity_id, next(seq), at()))
            elif op == "complete":
                events.append(
                    envelope(InfoCompleted(activity_id=activity_id, completeness=1.0), activity_id, next(seq), at())
                )
            elif op in ("approve", "reject"):
                kind = ActivityApproved if op == "approve" else ActivityRejected
                extra = {"reason": "不符合要求"} if op == "reject" else {}
                events.append(fact(kind(activity_id=activity_id, reviewer_body="county:610502", **extra)))
            elif op == "recommend":
                recommendations += 1
                level = draw(st.sampled_from(LEVELS))
                payload = Recommended(
                    recommendation_id=f"r-{activity_id}-{recommendations}",
                    activity_id=activity_id,
                    from_body="county:610502",
                    from_level="county",
                    to_level=level,
                    reason="优秀",
                )
                events.append(fact(payload, payload.recommendation_id))
            elif op == "unrecommend" and recommendations:
                rid = f"r-{activity_id}-{draw(st.integers(1, recommendations))}"
                events.append(fact(RecommendationWithdrawn(recommendation_id=rid, subject="activity", body="x"), rid))
            elif op == "checkin":
                events.append(fact(ParticipationRecorded(activity_id=activity_id, participant_ref=f"p{next(clock)}")))
            elif op == "feedback":
                events.append(fact(FeedbackSubmitted(activity_id=activity_id, rating=draw(st.integers(1, 5)))))
            elif op == "notify":
                kind = NotificationSent if draw(st.booleans()) else NotificationFailed
                extra = {"error": "号码无效", "permanent": True} if kind is NotificationFailed else {}
                notice = kind(
                    notification_id=f"n{next(clock)}",
                    kind="thank_you",
                    channel="sms",
                    recipient_masked="139****0000",
                    **extra,
                )
                events.append(fact(notice, notice.notification_id))
        streams.append(events)
    merged = [e for group in itertools.zip_longest(*streams) for e in group if e is not None]
    twice = draw(st.lists(st.sampled_from(merged), max_size=4))  # published twice by the relay
    return merged + twice


OPERATIONS = (
    "update",
    "withdraw",
    "complete",
    "approve",
    "reject",
    "recommend",
    "unrecommend",
    "checkin",
    "feedback",
    "notify",
)


@dataclass
class Model:
    """The brute-force recount: each activity's state after the history, applied naively."""

    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    tallies: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    recommendations: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    notices: Counter[str] = field(default_factory=Counter)
    minutes: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, history: list[Envelope]) -> Model:
        model, seen = cls(), set()
        for e in history:
            if e.id in seen:
                continue
            seen.add(e.id)
            model.apply(e, CATALOG.payload(e))
        return model

    def apply(self, e: Envelope, p: EventPayload) -> None:
        if isinstance(p, ActivityRegistered):
            self.activities[p.activity_id] = {
                "region": p.region_code, "category": p.category, "themes": set(p.themes), "targets": set(p.target_groups),
                "format": p.format, "day": p.starts_at.date().isoformat(), "workers": p.science_worker_count,
                "name": p.name, "withdrawn": False, "completed": False, "review": "pending", "unit": p.organizer_id,
            }  # fmt: skip
            self.minutes[china_minute(e.time)] += 1
        elif isinstance(p, ActivityUpdated):
            self.activities[p.activity_id].update(category=p.changes["category"], themes=set(p.changes["themes"]))  # type: ignore[arg-type]
        elif isinstance(p, ActivityWithdrawn):
            self.activities[p.activity_id]["withdrawn"] = True
        elif isinstance(p, InfoCompleted):
            self.activities[p.activity_id]["completed"] = True
        elif isinstance(p, ActivityApproved | ActivityRejected):
            self.tallies[p.activity_id]["review:" + ("approved" if isinstance(p, ActivityApproved) else "rejected")] = (
                next(_offsets)
            )
        elif isinstance(p, Recommended):
            self.recommendations[p.recommendation_id] = (p.activity_id, p.to_level, False)
        elif isinstance(p, RecommendationWithdrawn):
            activity_id, level, _ = self.recommendations[p.recommendation_id]
            self.recommendations[p.recommendation_id] = (activity_id, level, True)
        elif isinstance(p, ParticipationRecorded):
            self.tallies[p.activity_id]["checkins"] += 1
        elif isinstance(p, FeedbackSubmitted):
            self.tallies[p.activity_id]["feedback"] += 1
            self.tallies[p.activity_id]["rating_sum"] += p.rating
        elif isinstance(p, NotificationSent | NotificationFailed):
            self.notices["sent" if isinstance(p, NotificationSent) else "failed"] += 1

    def counted(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for activity_id, a in self.activities.items():
            if not a["withdrawn"]:
                yield activity_id, a

    def review(self, activity_id: str) -> str:
        verdicts = {k: v for k, v in self.tallies[activity_id].items() if k.startswith("review:")}
        return max(verdicts, key=verdicts.__getitem__).removeprefix("review:") if verdicts else "pending"

    def level(self, activity_id: str) -> str | None:
        levels = [lvl for a, lvl, gone in self.recommendations.values() if a == activity_id and not gone]
        return max(levels, key=LEVEL_RANK.__getitem__, default=None)

    def groups(self, by: str) -> dict[Any, Counter[str]]:
        out: defaultdict[Any, Counter[str]] = defaultdict(Counter)
        for activity_id, a in self.counted():
            keys = {
                "province": [a["region"][:2]], "city": [a["region"][:4]], "county": [a["region"]],
                "category": [a["category"]], "theme": sorted(a["themes"]), "target_group": sorted(a["targets"]),
                "format": [a["format"]], "day": [a["day"]], "level": [self.level(activity_id)],
                "review": [self.review(activity_id)], "joint_action": [None], "programme": [None],
            }[by]  # fmt: skip
            t = self.tallies[activity_id]
            for key in keys:
                out[key].update(activities=1, info_completed=int(a["completed"]), science_workers=a["workers"])
                out[key].update(checkins=t["checkins"], feedback=t["feedback"], rating_sum=t["rating_sum"])
        return out


def stored_counts(connection: Connection) -> dict[Any, list[int]]:
    """The statistics' counters as stored (zero rows included: there must be none)."""
    keys = ("campaign", "dimension", "day", "region_code", "value")
    return {
        tuple(row[c] for c in keys): [row[m] for m in MEASURES]
        for row in connection.execute(select(activity_counts)).mappings()
    }


def apply_in_batches(connection: Connection, history: list[Envelope], cuts: list[int]) -> None:
    deliveries = [delivery(e) for e in history]
    bounds = sorted({0, len(deliveries), *(c % (len(deliveries) + 1) for c in cuts)})
    projections = (FactsProjection(), CountersProjection())
    for start, end in itertools.pairwise(bounds):
        for projection in projections:
            mine = [d for d in deliveries[start:end] if d.record.topic in projection.topics]
            if mine:
                projection.apply(connection, mine)


CAMPAIGN = CampaignConfigured(
    campaign_id="2026", year=2026, title="2026年全国科普日", week_starts_on=DAYS[0], week_ends_on=DAYS[-1],
    indicators=["活动数量", "参与人数"],
    local_rules=[LocalRule(name="食品安全科普活动", kind="name_contains", match="食品安全", per="county")],
)  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> Any:
    return create_engine("sqlite://")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), cuts=st.lists(st.integers(0, 200), max_size=4))
def test_every_view_matches_a_recount(engine: Any, history: list[Envelope], cuts: list[int]) -> None:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    model = Model.of(history)
    with engine.begin() as connection:
        apply_in_batches(connection, [envelope(CAMPAIGN, "2026", 1, START), *history], cuts)
        assert stored_counts(connection) == recount(connection)  # the counters are what the facts add up to
    where = stats.Filters("2026")
    with engine.connect() as connection:
        for by in stats.DIMENSIONS:
            got = {g["key"]: g for g in stats.breakdown(SqlStatistics(connection), where, by)}
            expected = model.groups(by)
            assert set(got) == set(expected), by
            for key, counts in expected.items():
                g = got[key]
                assert g["activities"] == counts["activities"] and g["info_completed"] == counts["info_completed"], (
                    by,
                    key,
                )
                assert g["science_workers"] == counts["science_workers"] and g["checkins"] == counts["checkins"], (
                    by,
                    key,
                )
                assert (g["feedback"], g["rating_avg"]) == (
                    counts["feedback"],
                    round(counts["rating_sum"] / counts["feedback"], 2) if counts["feedback"] else None,
                ), (by, key)
        totals = stats.totals(SqlStatistics(connection), where)
        assert totals["activities"] == sum(1 for _ in model.counted())
        minutes = {
            m["minute"]: m["registrations"] for m in stats.per_minute(SqlStatistics(connection), "2026", None, None)
        }
        assert minutes == dict(model.minutes)
        in_force = Counter(
            level
            for a, level, gone in model.recommendations.values()
            if not gone and not model.activities[a]["withdrawn"]
        )
        assert {
            k: v for k, v in stats.recommendations(SqlStatistics(connection), where)["activities"].items() if v
        } == dict(in_force)
        notices = stats.notifications(SqlStatistics(connection), "2026")
        assert {k: sum(n[k] for n in notices) for k in ("sent", "failed")} == {
            k: model.notices[k] for k in ("sent", "failed")
        }
        [rule] = stats.local_rules(SqlStatistics(connection), where)
        food = Counter(a["region"] for _, a in model.counted() if "食品安全" in a["name"])
        assert {r["code"]: r["activities"] for r in rule["regions"]} == dict(food)
        board = stats.scoreboard(SqlStatistics(connection), where, "unit", 100)
        assert board["indicators"] == ["活动数量", "参与人数"]
        units = Counter(a["unit"] for _, a in model.counted())
        assert {r["key"]: r["activities"] for r in board["rows"]} == dict(units)


def test_json_of_rules_is_kept_as_the_campaign_gave_it(engine: Any) -> None:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        apply_in_batches(connection, [envelope(CAMPAIGN, "2026", 1, START)], [])
    with engine.connect() as connection:
        [rule] = stats.local_rules(SqlStatistics(connection), stats.Filters("2026"))
    assert json.dumps(rule, ensure_ascii=False).count("食品安全") == 2 and rule["total"] == 0
