"""The showcase (汇聚展示) of a public activity: its photos, videos, news links, turnout and summary
once its info is completed, and its live stream (直播预告 before, 直播中 while it runs).

Built from the activities stream into ``directory_showcase``, one row per activity that has either;
an event at or below the row's ``version`` (its sequence) was applied already and changes nothing.
The page reads it only for an activity the directory lists as public.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, and_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, InfoCompleted
from shared.events.topics import ACTIVITIES
from shared.store.upsert import upsert

from ..adapters.tables import directory_activities, directory_showcase

LIVE_FIELDS = ("live_url", "live_starts_at", "live_ends_at")


class ShowcaseProjection:
    """Keeps ``directory_showcase`` in step with the activities stream."""

    name = "registration.showcase"
    topics: tuple[str, ...] = (ACTIVITIES.name,)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        relevant = [d for d in deliveries if _carries_showcase(d.payload)]
        if not relevant:
            return
        t = directory_showcase
        ids = {d.payload.activity_id for d in relevant}  # type: ignore[attr-defined]
        rows = {
            r.activity_id: {"activity_id": r.activity_id, "version": r.version, "info": r.info, "live": r.live}
            for r in connection.execute(select(t).where(t.c.activity_id.in_(ids)))
        }
        changed: set[str] = set()
        for delivery in relevant:
            payload, sequence = delivery.payload, delivery.envelope.sequence
            activity_id: str = payload.activity_id  # type: ignore[attr-defined]
            row = rows.setdefault(activity_id, {"activity_id": activity_id, "version": 0, "info": None, "live": None})
            if sequence <= row["version"]:
                continue
            row["version"] = sequence
            if isinstance(payload, InfoCompleted):
                row["info"] = payload.model_dump_json(exclude={"activity_id", "completeness"})
            elif isinstance(payload, ActivityRegistered):
                row["live"] = _live({name: getattr(payload, name) for name in LIVE_FIELDS})
            elif isinstance(payload, ActivityUpdated):
                before = json.loads(row["live"]) if row["live"] else {}
                after = {name: payload.changes.get(name, before.get(name)) for name in LIVE_FIELDS}
                row["live"] = _live(after)
            changed.add(activity_id)
        batch = [rows[i] for i in sorted(changed)]
        upsert(connection, t, batch, keys=("activity_id",), update=dict.fromkeys(("version", "info", "live")))


def _carries_showcase(payload: object) -> bool:
    if isinstance(payload, InfoCompleted):
        return True
    if isinstance(payload, ActivityRegistered):
        return payload.live_url is not None
    return isinstance(payload, ActivityUpdated) and any(name in payload.changes for name in LIVE_FIELDS)


def _live(fields: dict[str, Any]) -> str | None:
    if not fields.get("live_url"):
        return None
    return json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()})


LiveState = Literal["upcoming", "live", "ended"]


@dataclass(frozen=True)
class LiveStream:
    url: str
    starts_at: datetime
    ends_at: datetime

    def state(self, now: datetime) -> LiveState:
        """直播预告 (upcoming) before its start, 直播中 (live) until its end, then ended."""
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "ended"


@dataclass(frozen=True)
class Showcase:
    info: dict[str, Any] | None
    live: LiveStream | None


async def read_showcase(engine: AsyncEngine, activity_id: str) -> Showcase | None:
    """The showcase of a public activity (None: not public, or unknown); empty parts are None."""
    a, s = directory_activities, directory_showcase
    statement = (
        select(s.c.info, s.c.live)
        .select_from(a.outerjoin(s, s.c.activity_id == a.c.activity_id))
        .where(and_(a.c.activity_id == activity_id, a.c.public.is_(True)))
    )
    async with engine.connect() as connection:
        row = (await connection.execute(statement)).first()
    if row is None:
        return None
    live = None
    if row.live:
        fields = json.loads(row.live)
        live = LiveStream(fields["live_url"], _moment(fields["live_starts_at"]), _moment(fields["live_ends_at"]))
    return Showcase(json.loads(row.info) if row.info else None, live)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
