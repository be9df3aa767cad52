"""The analytics benchmark's synthetic events, and a loaded analytics database to serve.

``Activities`` builds ``activity-registered`` envelopes as a week of submissions varies them: every
county of the packaged GB/T 2260 data (``bench.directory_data.counties``: ~2,900 counties in all 31
provinces), the categories and joint actions of the 2024 notice, themes, audiences, format, start
days, science workers. ``load`` migrates a fresh analytics database and feeds it ``count`` such
activities through the service's own projections (``OverviewProjection``, ``FactsProjection``,
``CountersProjection``, ``apply`` in batches, one transaction each) after the campaign's
``campaign-configured`` (analytics answers the dashboard only for a campaign it knows), together with
what follows a registration (approvals, completed information, recommendations up the levels,
feedback), before the server starts. Nothing here is timed.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text

from harness.events import delivery, envelope
from services.analytics.bootstrap import MIGRATIONS
from services.analytics.projections.counters import CountersProjection
from services.analytics.projections.facts import FactsProjection
from services.analytics.projections.overview import OverviewProjection
from shared.consumer import Delivery
from shared.events import CATALOG, Envelope, EventPayload
from shared.events.payloads.activities import ActivityRegistered, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.participation import FeedbackSubmitted
from shared.events.payloads.reviews import ActivityApproved, Recommended
from shared.store import create_engine
from shared.store.migrations import migrate

from .directory_data import FORMS, ORGANIZERS, STREETS, TOPICS, counties

CAMPAIGN = "2026"
CATEGORIES = ("重点活动", "系列联合行动", "系列主场活动", None)
JOINT_ACTIONS = ("科技馆联合行动", "学会联合行动", "科普中国联合行动", None, None, None)
THEMES = ("乡村振兴", "卫生健康", "食品安全", "人工智能", "航天科技", "防灾减灾")
GROUPS = ("公众", "青少年", "老年人", "农民", "科技工作者")
FORMATS = ("offline", "offline", "offline", "both", "online")
LEVEL_STEPS = (("county", "city"), ("city", "province"), ("province", "national"))


class Activities:
    """Varied ``activity-registered`` envelopes (and what follows them) of one campaign."""

    def __init__(self, seed: int = 2026) -> None:
        self.counties, _ = counties()
        self.random = random.Random(seed)
        self.week = datetime(2026, 9, 15, 1, 0, tzinfo=UTC)  # 09:00 China time on the week's first day

    def registered(self, i: int, at: datetime | None = None) -> Envelope:
        r = self.random
        county = self.counties[r.randrange(len(self.counties))]
        topic, form = TOPICS[r.randrange(len(TOPICS))], FORMS[r.randrange(len(FORMS))]
        starts = self.week + timedelta(days=r.randrange(7), hours=r.randrange(10), minutes=30 * r.randrange(2))
        fmt = FORMATS[r.randrange(len(FORMATS))]
        activity_id = uuid.UUID(int=r.getrandbits(128), version=4).hex
        payload = ActivityRegistered(
            activity_id=activity_id,
            campaign_id=CAMPAIGN,
            name=f"{county.name}{topic}{form}",
            organizer_id=f"unit-{r.randrange(20_000)}",
            organizer_name=f"{county.city or county.province}{ORGANIZERS[r.randrange(len(ORGANIZERS))]}",
            region_code=county.code,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2 + r.randrange(3)),
            format=fmt,
            category=CATEGORIES[r.randrange(len(CATEGORIES))],
            joint_action=JOINT_ACTIONS[r.randrange(len(JOINT_ACTIONS))],
            themes=sorted(set(r.sample(THEMES, 1 + r.randrange(2)))),
            target_groups=sorted(set(r.sample(GROUPS, 1 + r.randrange(2)))),
            key_activity=i % 10 == 0,
            expected_participants=50 + r.randrange(500),
            address=None if fmt == "online" else f"{county.name}{STREETS[r.randrange(len(STREETS))]}{1 + i % 300}号",
            contact_name_masked="王**",
            contact_phone_masked="138****5678",
            science_worker_count=r.randrange(6),
        )
        return envelope(payload, activity_id, source="/bench", campaign=CAMPAIGN, at=at)

    def history(self, i: int, at: datetime) -> list[Envelope]:
        """The ``i``-th activity's registration at ``at`` and, for some, what came after it."""
        r = self.random
        registered = self.registered(i, at)
        payload = CATALOG.payload(registered)
        assert isinstance(payload, ActivityRegistered)
        activity_id, code = payload.activity_id, payload.region_code
        later = at + timedelta(days=10)
        out = [registered]

        def fact(p: EventPayload, sequence: int = 1) -> Envelope:
            return envelope(p, activity_id, sequence, source="/bench", campaign=CAMPAIGN, at=later)

        if r.random() < 0.7:
            out.append(fact(ActivityApproved(activity_id=activity_id, reviewer_body=f"county:{code}")))
        if r.random() < 0.3:
            done = InfoCompleted(activity_id=activity_id, completeness=1.0, actual_participants=40 + r.randrange(600))
            out.append(fact(done, sequence=2))
        if r.random() < 0.1:
            rating = FeedbackSubmitted(activity_id=activity_id, rating=3 + r.randrange(3))
            out.append(fact(rating))
        if r.random() < 0.05:
            steps = 1 + (r.random() < 0.3) + (r.random() < 0.1)
            for from_level, to_level in LEVEL_STEPS[:steps]:
                recommended = Recommended(
                    recommendation_id=uuid.UUID(int=r.getrandbits(128), version=4).hex,
                    activity_id=activity_id,
                    from_body=f"{from_level}:{code}",
                    from_level=from_level,  # type: ignore[arg-type]
                    to_level=to_level,  # type: ignore[arg-type]
                    reason="内容新颖，组织规范，公众反响好",
                    campaign_id=CAMPAIGN,
                )
                out.append(fact(recommended))
        return out


def configured() -> Envelope:
    """The campaign's ``campaign-configured``: its week, public statistics (the default)."""
    payload = CampaignConfigured(
        campaign_id=CAMPAIGN,
        year=2026,
        title="2026年全国科普日",
        week_starts_on=datetime(2026, 9, 15).date(),
        week_ends_on=datetime(2026, 9, 21).date(),
    )
    return envelope(payload, CAMPAIGN, source="/bench", campaign=CAMPAIGN)


def deliveries(envelopes: list[Envelope], offsets: Iterator[int]) -> list[Delivery]:
    """The envelopes as a consumer hands them to a projection (the record's bytes are not needed)."""
    return [delivery(e, next(offsets), encoded=False) for e in envelopes]


def histories(count: int) -> list[Envelope]:
    """The events :func:`load` applies, in the same order: the campaign, then each activity's history."""
    activities = Activities()
    opened = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
    spread = timedelta(days=14).total_seconds()
    out = [configured()]
    for i in range(count):
        out += activities.history(i, opened + timedelta(seconds=spread * i / count))
    return out


async def load(path: Path, count: int, batch: int = 5_000) -> tuple[int, float]:
    """Migrate a fresh analytics database at ``path`` and apply ``count`` activities' histories
    (registrations spread over the 14 days before the week); (events applied, seconds)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine, MIGRATIONS)
    finally:
        await engine.dispose()
    sync = create_sync_engine(f"sqlite:///{path}")

    @event.listens_for(sync, "connect")
    def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    projections = (OverviewProjection(), FactsProjection(), CountersProjection())
    activities, offsets = Activities(), itertools.count()
    opened = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
    spread = timedelta(days=14).total_seconds()
    started, applied = time.perf_counter(), 0
    try:
        for start in range(0, count, batch):
            envelopes = [configured()] if start == 0 else []
            for i in range(start, min(start + batch, count)):
                envelopes += activities.history(i, opened + timedelta(seconds=spread * i / count))
            applied += len(envelopes)
            with sync.begin() as connection:
                for projection in projections:
                    projection.apply(connection, deliveries(envelopes, offsets))
            if (start // batch) % 5 == 4:
                print(f"loaded {start + batch:,} activities", file=sys.stderr, flush=True)
        with sync.connect() as connection:
            shown = connection.scalar(text("SELECT count(*) FROM activity_facts WHERE version > 0"))
    finally:
        sync.dispose()
    if shown != count:
        raise RuntimeError(f"the facts view holds {shown} of {count} activities")
    return applied, time.perf_counter() - started
