"""The showcase view (汇聚展示): completed info and live streams from the activities stream, shown only
for public activities; redelivered events change nothing; the live state follows the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.bootstrap import MIGRATIONS
from services.registration.projections.showcase import LiveStream, ShowcaseProjection, read_showcase
from shared.events import CATALOG, Envelope
from shared.events.payloads.activities import InfoCompleted, MediaReference
from shared.store import create_engine, transaction
from shared.store.migrations import migrate

from ..directory_support import configured, delivery, feed, registered, updated

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
PHOTO = MediaReference(key="a" * 64 + ".jpg", kind="photo", url="/api/v1/media/x.jpg", thumbnail_url="/t.jpg")


@pytest.fixture
async def view(database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database)
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


async def show(engine: AsyncEngine, *envelopes: Envelope) -> None:
    """Feed the directory (which says what is public) and the showcase, as their consumers do."""
    await feed(engine, *envelopes)
    async with transaction(engine) as connection:
        await connection.run_sync(ShowcaseProjection().apply, [delivery(e) for e in envelopes])


def completed(activity_id: str, sequence: int, **fields: object) -> Envelope:
    payload = InfoCompleted(activity_id=activity_id, completeness=0.5, **fields)  # type: ignore[arg-type]
    return CATALOG.envelope(payload, subject=activity_id, sequence=sequence, source="/tests")


@BOTH
async def test_a_public_activitys_completed_info_and_live_stream_are_shown(view: AsyncEngine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    live = {"live_url": "https://live.example.cn/1", "live_starts_at": now, "live_ends_at": now + timedelta(hours=1)}
    event = registered(format="online", online_url="https://live.example.cn/1", address=None, **live)
    activity_id = event.subject
    await show(view, configured(auto_approve=True, at=event.time - timedelta(hours=1)), event)
    first = await read_showcase(view, activity_id)
    assert first is not None and first.info is None
    assert first.live == LiveStream("https://live.example.cn/1", now, now + timedelta(hours=1))

    info = completed(activity_id, 2, media=[PHOTO], actual_participants=300, summary="座无虚席")
    await show(view, info, info)  # redelivered in the same batch: applied once
    await show(
        view, updated(activity_id, 3, live_starts_at=now + timedelta(days=1), live_ends_at=now + timedelta(days=2))
    )
    await show(view, completed(activity_id, 2, summary="旧的"))  # a late duplicate changes nothing
    shown = await read_showcase(view, activity_id)
    assert shown is not None and shown.info is not None and shown.live is not None
    assert shown.info["media"] == [PHOTO.model_dump()] and shown.info["summary"] == "座无虚席"
    assert shown.info["actual_participants"] == 300
    assert shown.live.state(now) == "upcoming"


@BOTH
async def test_an_activity_not_public_has_no_showcase(view: AsyncEngine) -> None:
    event = registered()
    await show(view, configured(auto_approve=False, at=event.time - timedelta(hours=1)), event)
    await show(view, completed(event.subject, 2, summary="未审核"))
    assert await read_showcase(view, event.subject) is None
    assert await read_showcase(view, "no-such-activity") is None


def test_a_live_stream_is_upcoming_then_live_then_ended() -> None:
    start = datetime(2026, 9, 16, 1, 0, tzinfo=UTC)
    stream = LiveStream("https://live.example.cn/1", start, start + timedelta(hours=2))
    assert stream.state(start - timedelta(seconds=1)) == "upcoming"
    assert stream.state(start) == "live"
    assert stream.state(start + timedelta(hours=2)) == "ended"
