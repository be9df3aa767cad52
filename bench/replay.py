"""Analytics replay rate: ``replay_analytics`` (``kepuri replay analytics``) over a long stream on the embedded log.

The stream: ``--events`` records on ``kepuri.activities.v1`` (1,000,000; 100,000 with ``--quick``), 95 %
``activity-registered`` with the fields a real registration carries (all 31 provinces, themes, audiences,
format, days, masked contact, science workers, coordinates) and 5 % ``activity-withdrawn`` of earlier ones,
published once before anything is timed (with the relative ``dataschema`` that trees before the absolute
schema URIs read too, :func:`bench.analytics_tree.portable`). Each repetition replays it into a fresh analytics database with
every projection ``services.analytics.bootstrap.build`` registers (the live service not running): shadow
rebuild from offset 0 through ``ConsumerRuntime.process``, then the swap. Its rate is the records read
over the time from joining the throwaway group to the swap's commit (migrations excluded).

Baseline in the same run, interleaved: the raw consume rate of the same stream, a throwaway consumer
group polling batches of the replay's size and decoding each record (``from_record`` + ``CATALOG.payload``),
nothing applied — what any replay pays before a single view row is written.

With ``--tree PATH`` (e.g. a worktree of main f0b11fe: ``git worktree add --detach /tmp/kepuri-f0b11fe
f0b11fe``) the replay of that tree's code runs too, in a process of its own on the same stream,
interleaved with the others (:mod:`bench.analytics_tree`), and is reported beside this tree's.

    python -m bench.replay [--quick] [--events N] [--tree PATH]
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.events import message
from services.analytics.bootstrap import build
from services.analytics.replay import replay_analytics
from services.analytics.settings import AnalyticsSettings
from shared.bus import TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.events import CATALOG, Envelope, from_record
from shared.events.payloads.activities import ActivityRegistered, ActivityWithdrawn
from shared.events.topics import ACTIVITIES

from .analytics_tree import portable, replay_in, tree_name, tree_option
from .common import Result, cli, interleaved, rate, report, settle_heap
from .workload import GROUPS, REGIONS, THEMES, TITLES

TARGET = 25_000
TARGET_RATIO = 0.5  # of raw consume
BATCH = 5000
PARTITIONS = 4
FORMATS = ("offline", "online", "both")
CATEGORIES = ("重点活动", "一般活动")
JOINT_ACTIONS = (None, "学会联合行动", "企业联合行动", "科技馆联合行动")


def registered(i: int) -> Envelope:
    activity_id = uuid.uuid4().hex
    starts = datetime(2026, 9, 15, 1, tzinfo=UTC) + timedelta(days=i % 11, hours=i % 9)
    fmt = FORMATS[i % 3]
    payload = ActivityRegistered(
        activity_id=activity_id,
        campaign_id="2026",
        name=f"{TITLES[i % len(TITLES)]} 第{i}场",
        organizer_id=f"unit-{i % 60_000:05d}",
        organizer_name=f"第{i % 60_000}号科普单位",
        region_code=REGIONS[i % len(REGIONS)],
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        format=fmt,
        category=CATEGORIES[i % 2],
        joint_action=JOINT_ACTIONS[i % 4],
        themes=[THEMES[i % 3], THEMES[(i + 1) % 3]][: 1 + i % 2],
        target_groups=[GROUPS[i % 3]],
        key_activity=i % 10 == 0,
        expected_participants=50 + i % 500,
        online_url=None if fmt == "offline" else f"https://live.example.cn/{i}",
        address=None if fmt == "online" else f"某市某区科普路{i % 300}号",
        longitude=108.0 + (i % 100) / 100,
        latitude=34.0 + (i % 100) / 100,
        contact_phone_masked=f"138****{i % 10_000:04d}",
        contact_name_masked="王*",
        science_worker_count=1 + i % 3,
    )
    return CATALOG.envelope(payload, subject=activity_id, sequence=1, source="/bench", campaign="2026")


async def publish_stream(bus: Path, count: int) -> None:
    """``count`` records: every 20th a withdrawal of an activity registered shortly before."""
    async with EmbeddedLog(bus, default_partitions=PARTITIONS, synchronous="OFF") as log:
        await log.ensure_topics([TopicSpec(ACTIVITIES.name, PARTITIONS)])
        recent: list[str] = []
        for start in range(0, count, 10_000):
            envelopes = []
            for i in range(start, min(count, start + 10_000)):
                if i % 20 == 19 and recent:
                    payload = ActivityWithdrawn(activity_id=recent[-7], reason="天气原因")
                    envelopes.append(CATALOG.envelope(payload, subject=recent[-7], sequence=2, source="/bench"))
                else:
                    envelope = registered(i)
                    recent = [*recent[-9:], envelope.subject]
                    envelopes.append(envelope)
            await log.publish([message(portable(e)) for e in envelopes])


class ReplayCase:
    def __init__(self, root: Path, count: int, tree: Path | None = None) -> None:
        self.root = root
        self.count = count
        self.tree = tree

    def _fresh(self) -> Path:
        data = self.root / f"run-{uuid.uuid4().hex[:8]}"
        data.mkdir()
        return data

    @staticmethod
    def _remove(data: Path) -> None:
        for path in data.iterdir():
            path.unlink()
        data.rmdir()

    async def replay(self) -> float:
        data = self._fresh()
        settings = AnalyticsSettings(
            data_dir=data, bus_url=f"embedded:{self.root / 'bus.db'}", topic_partitions=PARTITIONS, environment="test"
        )
        settle_heap()
        outcome = await replay_analytics(settings, quiet=True, batch_size=BATCH)
        if outcome.events != self.count:
            raise RuntimeError(f"replayed {outcome.events} of {self.count} events")
        self._remove(data)
        return outcome.rate

    async def replay_tree(self) -> float:
        """The other tree's replay, in its own process, on the same stream."""
        assert self.tree is not None
        data = self._fresh()
        events, replayed = await replay_in(self.tree, data, f"embedded:{self.root / 'bus.db'}", PARTITIONS, BATCH)
        if events != self.count:
            raise RuntimeError(f"{self.tree} replayed {events} of {self.count} events")
        self._remove(data)
        return replayed

    async def raw_consume(self) -> float:
        async with EmbeddedLog(self.root / "bus.db") as log:
            async with log.subscribe(f"bench.raw.{uuid.uuid4().hex[:8]}", [ACTIVITIES.name]) as subscription:
                settle_heap()
                started = time.perf_counter()
                seen = 0
                while seen < self.count:
                    records = await subscription.poll(BATCH, 100)
                    for record in records:
                        CATALOG.payload(from_record(record))
                    seen += len(records)
                elapsed = time.perf_counter() - started
        return rate(seen, elapsed)


async def main_async(count: int, reps: int, tree: Path | None) -> tuple[list[Result], str]:
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        root = Path(scratch)
        names = ", ".join(
            c.group for c in build(AnalyticsSettings(data_dir=root, environment="test")).backbone.consumers
        )
        await publish_stream(root / "bus.db", count)
        case = ReplayCase(root, count, tree)
        cases = [case.replay, case.raw_consume] + ([case.replay_tree] if tree else [])
        got = await interleaved(reps, cases)
    replayed, consumed = got[0], got[1]
    title = f"kepuri replay analytics: shadow rebuild + swap ({count:,} events, batches of {BATCH:,})"
    met = statistics.median(replayed) >= TARGET and statistics.median(replayed) >= TARGET_RATIO * statistics.median(
        consumed
    )
    results = [
        Result(
            "replay", title, "events/s", replayed, "raw consume: poll + decode", consumed,
            target=f"≥ {TARGET:,} events/s and ≥ {TARGET_RATIO}× raw consume", met=met,
        ),
    ]  # fmt: skip
    if tree is not None:
        results.append(
            Result("replay", f"{title}: this tree", "events/s", replayed, f"{tree_name(tree)} tree's replay", got[2])
        )
    return results, names


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=2,
        extra=[
            ("--events", {"type": int, "default": 0, "help": "records in the stream (default 1,000,000)"}),
            tree_option(),
        ],
    )
    count = args.events or (100_000 if args.quick else 1_000_000)
    tree = args.tree.resolve() if args.tree else None
    results, names = asyncio.run(main_async(count, args.reps, tree))
    report("Analytics replay", results, args, notes=[f"Projections replayed: {names}."])


if __name__ == "__main__":
    main()
