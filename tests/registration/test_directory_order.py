"""The directory's search at scale: text search pages in start order however many activities match,
SQLite's search-index rows numbered in that order (kept so through moves and renumbering), the
region and campaign as index tokens, the migration that numbers an existing directory, and near-me
across latitude bands."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.adapters.tables import DIRECTORY_SEARCH
from services.registration.bootstrap import MIGRATIONS
from services.registration.directory import index, order
from services.registration.directory.listing import Listing
from services.registration.directory.order import SLOT_BITS, STEP, evenly, minute_of, spread
from shared.events import Envelope
from shared.store import create_engine
from shared.store.migrations import alembic_config, migrate

from .conftest import Service
from .directory_support import configured, feed, registered, updated, withdrawn

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
URL = "/api/v1/directory/activities"
START = datetime(2026, 9, 15, 1, tzinfo=UTC)  # 09:00 China time


async def pages(service: Service, limit: int, **params: Any) -> list[str]:
    """Every id a search finds, walking its pages of ``limit``."""
    ids: list[str] = []
    params = {"limit": limit, **params}
    while True:
        response = await service.client.get(URL, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        ids.extend(item["id"] for item in body["items"])
        assert len(ids) == len(set(ids)), "an activity came twice"
        if body["next_cursor"] is None:
            return ids
        params["cursor"] = body["next_cursor"]


def in_order(events: Iterable[Envelope]) -> list[str]:
    return [e.subject for e in sorted(events, key=lambda e: (e.data["starts_at"], e.subject))]


async def open_campaigns(engine: AsyncEngine, *campaigns: str) -> None:
    at = START - timedelta(days=400)
    await feed(engine, *(configured(campaign, auto_approve=True, at=at) for campaign in campaigns))


async def numbered_in_order(engine: AsyncEngine) -> None:
    """On SQLite: every listed row's ``doc_id`` in (start, id) order, every other row's negative, and
    the search index holding, for each listed row and nothing else, exactly its document's tokens (a
    document removed with the wrong tokens leaves some behind, which a later search would find)."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM directory_activities"))).all()
        await connection.execute(
            text(f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, {DIRECTORY_SEARCH}, instance)")
        )
        instances = (await connection.execute(text('SELECT term, doc, "offset" FROM temp.terms'))).all()
    listed = sorted((r.doc_id, r.starts_at, r.activity_id) for r in rows if r.data is not None)
    assert [(s, a) for _, s, a in listed] == sorted((s, a) for _, s, a in listed)
    assert all(r.doc_id < 0 for r in rows if r.data is None)
    indexed: dict[int, list[tuple[int, str]]] = {}
    for term, doc, offset in instances:
        indexed.setdefault(doc, []).append((offset, term))
    expected = {
        r.doc_id: index.document(Listing.model_validate_json(r.data), r.campaign_id).split(" ")
        for r in rows
        if r.data is not None
    }
    assert {doc: [term for _, term in sorted(terms)] for doc, terms in indexed.items()} == expected


@BOTH
async def test_a_text_in_most_activities_pages_in_start_order(service: Service) -> None:
    engine = service.container.backbone.engine
    await open_campaigns(engine, "2026")
    shuffle = random.Random(7)
    events = [
        registered(name=f"科普活动{i}", starts_at=START + timedelta(minutes=30 * (i % 7), seconds=i % 2))
        for i in range(60)
    ]  # ties: ten at each start
    others = [registered(name="读书会", starts_at=START + timedelta(minutes=15 * i)) for i in range(10)]
    batches = [*events, *others]
    shuffle.shuffle(batches)
    for start in range(0, len(batches), 9):  # rows arrive between rows already numbered
        await feed(engine, *batches[start : start + 9])
    await feed(engine, withdrawn(events[5].subject, 2))
    expected = [i for i in in_order(events) if i != events[5].subject]
    assert await pages(service, 7, q="科普") == expected
    assert await pages(service, 100, q="科普活动") == expected
    assert await pages(service, 4, q="活动") == expected
    assert await pages(service, 3, q="科普", campaign="2026", region="6105") == expected
    assert await pages(service, 5, q="科普", region="610502") == expected
    assert await pages(service, 5, q="科普", region="610113") == []
    assert await pages(service, 5, q="科普", campaign="2025") == []
    assert await pages(service, 6, q="读书") == in_order(others)
    await numbered_in_order(engine)


@BOTH
async def test_a_changed_start_moves_the_activity_and_a_cursor_outlives_its_activity(service: Service) -> None:
    engine = service.container.backbone.engine
    await open_campaigns(engine, "2026")
    events = [registered(name=f"天文观测{i}", starts_at=START + timedelta(hours=i)) for i in range(9)]
    await feed(engine, *events)
    moved, later = events[1], START + timedelta(hours=20)
    await feed(
        engine, updated(moved.subject, 2, starts_at=later, ends_at=later + timedelta(hours=2), name="天文观测（改期）")
    )
    expected = [e.subject for e in events if e is not moved] + [moved.subject]
    assert await pages(service, 2, q="天文") == expected
    first = (await service.client.get(URL, params={"q": "天文", "limit": 3})).json()
    await feed(engine, withdrawn(first["items"][-1]["id"], 2))  # the cursor's own activity goes
    rest = await pages(service, 3, q="天文", cursor=first["next_cursor"])
    assert rest == expected[3:]
    await numbered_in_order(engine)


async def test_a_crowded_minute_is_renumbered_and_its_documents_move(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each newcomer lands between the last one and "b", halving the gap, until the minute is
    renumbered: in a batch that also renames, moves (within the minute and out of it) and withdraws."""
    renumbered: list[int] = []
    renumber = order._renumber
    monkeypatch.setattr(
        order, "_renumber", lambda c, minute, *rest: renumbered.append(minute) or renumber(c, minute, *rest)
    )
    engine = service.container.backbone.engine
    await open_campaigns(engine, "2026")
    ids = ["a" + "m" * i for i in range(30)]
    await feed(engine, registered("b", name="防震减灾演练b", starts_at=START))
    for i, activity_id in enumerate(ids[:24]):
        await feed(engine, registered(activity_id, name=f"防震减灾演练{i}", starts_at=START))
    assert renumbered == []
    later, elsewhere = START + timedelta(seconds=30), START + timedelta(minutes=2)
    await feed(
        engine,
        registered(ids[24], name="防震减灾演练24", starts_at=START),  # no room left: the minute is renumbered
        updated(ids[3], 2, name="应急救护培训"),
        updated(ids[5], 2, starts_at=later, ends_at=later + timedelta(hours=2)),
        updated(ids[6], 2, starts_at=elsewhere, ends_at=elsewhere + timedelta(hours=2)),
        withdrawn(ids[7], 2),
    )
    assert renumbered == [minute_of(START)]
    for i, activity_id in enumerate(ids[25:], start=25):
        await feed(engine, registered(activity_id, name=f"防震减灾演练{i}", starts_at=START))
    await feed(engine, registered("c", name="防震减灾演练c", starts_at=START + timedelta(seconds=1)))
    at_start = [i for i in ids if i not in (ids[3], ids[5], ids[6], ids[7])]
    assert await pages(service, 8, q="防震减灾") == [*at_start, "b", "c", ids[5], ids[6]]
    assert await pages(service, 50, q="应急救护") == [ids[3]]
    assert await pages(service, 5, q="演练24") == [ids[24]]
    await numbered_in_order(engine)
    await feed(engine, updated(ids[10], 2, name="科普讲座"), withdrawn(ids[11], 2))
    assert await pages(service, 50, q="演练") == [
        i for i in [*at_start, "b", "c", ids[5], ids[6]] if i not in ids[10:12]
    ]
    assert await pages(service, 50, q="讲座") == [ids[10]]
    await numbered_in_order(engine)


async def test_a_campaign_token_takes_any_campaign_id(service: Service) -> None:
    engine = service.container.backbone.engine
    odd = "2026 科普周/试点_%"
    await open_campaigns(engine, odd, "2026")
    ours, theirs = registered(name="机器人展", campaign=odd), registered(name="机器人展")
    await feed(engine, ours, theirs)
    assert await pages(service, 5, q="机器人", campaign=odd) == [ours.subject]
    assert await pages(service, 5, q="机器人", campaign="2026 科普周") == []


async def test_the_migration_numbers_an_existing_directory(tmp_path: Path) -> None:
    """A directory written by revision 0004 (hash numbers, text-only documents) is renumbered by 0005."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}")
    try:
        await migrate(engine, MIGRATIONS)
        await open_campaigns(engine, "2026")
        events = [registered(name=f"气象科普{i}", starts_at=START + timedelta(minutes=i % 3)) for i in range(12)]
        await feed(engine, *events)
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to, "0004")
            hashed = (await connection.execute(text("SELECT min(doc_id) FROM directory_activities"))).scalar()
            assert hashed is not None and hashed >= 0
        await migrate(engine, MIGRATIONS)
        await numbered_in_order(engine)
        async with engine.connect() as connection:
            found = await connection.execute(
                text(
                    "SELECT t.activity_id FROM directory_search s JOIN directory_activities t ON t.doc_id = s.rowid"
                    " WHERE s.tokens MATCH :m ORDER BY s.rowid"
                ),
                {"m": '"气象" AND "·r610502"'},
            )
            assert [row.activity_id for row in found] == in_order(events)
    finally:
        await engine.dispose()


def _downgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config(MIGRATIONS)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


@BOTH
async def test_near_me_across_latitude_bands_and_the_equator(service: Service) -> None:
    engine = service.container.backbone.engine
    await open_campaigns(engine, "2026")
    offsets = [-0.12, -0.051, -0.049, -0.001, 0.0, 0.001, 0.049, 0.051, 0.12, 0.2]
    events = {dlat: registered(name=f"{dlat}", latitude=dlat, longitude=109.5) for dlat in offsets}
    await feed(engine, *events.values())
    response = await service.client.get(URL, params={"near": "0,109.5", "radius_km": 15, "limit": 3})
    items = response.json()["items"]
    assert [i["id"] for i in items] == [events[0.0].subject, *sorted((events[-0.001].subject, events[0.001].subject))]
    whole: list[str] = []
    params: dict[str, Any] = {"near": "0,109.5", "radius_km": 15, "limit": 2}
    while True:
        body = (await service.client.get(URL, params=params)).json()
        whole += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    inside = sorted((d for d in offsets if abs(d) < 0.13), key=lambda d: (abs(d), events[d].subject))
    assert whole == [events[d].subject for d in inside]


def test_slots_fit_between_neighbours_and_spread_over_a_minute() -> None:
    minute = minute_of(START)
    first = minute << SLOT_BITS
    assert spread(first + 10, first + 14, 3, minute) == [first + 11, first + 12, first + 13]
    assert spread(first + 10, first + 13, 3, minute) is None
    alone = spread(None, None, 1, minute)
    assert alone is not None and alone[0] >> SLOT_BITS == minute
    after = spread(first + 100, None, 2, minute)
    assert after == [first + 100 + STEP, first + 100 + 2 * STEP]
    before = spread(None, first + 5, 3, minute)
    assert before is not None and first <= before[0] < before[-1] < first + 5
    assert spread(None, first, 1, minute) is None  # nothing below a minute's first slot
    slots = evenly(5, minute)
    assert slots == sorted(set(slots)) and all(s >> SLOT_BITS == minute for s in slots)
    assert minute_of(datetime(1990, 1, 1, tzinfo=UTC)) == 0
