"""The importer's reads: the rows an earlier upload recorded (their identities, kept as Idempotency-Key
rows of the upload's scope) and the 活动编号 a sheet names that are the unit's own."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.runtime import Backbone
from shared.store import reading

from ..adapters.tables import activities

_LOOKUP_CHUNK = 500


async def recorded_rows(backbone: Backbone, scope: str, keys: Iterable[str]) -> dict[str, str]:
    """The activity registered earlier for each of ``keys`` that an upload in ``scope`` recorded."""
    t = backbone.tables.idempotency_keys
    found = await _chunked(
        backbone,
        sorted(set(keys)),
        lambda chunk: select(t.c.key, t.c.body).where(t.c.scope == scope, t.c.key.in_(chunk)),
    )
    return {key: json.loads(bytes(body))["id"] for key, body in found}


async def stated_activities(backbone: Backbone, unit_id: str, campaign_id: str, ids: Iterable[str | None]) -> set[str]:
    """Which of the 活动编号 given in the sheet are this unit's activities in this campaign."""
    a = activities
    found = await _chunked(
        backbone,
        sorted({i for i in ids if i}),
        lambda chunk: select(a.c.activity_id).where(
            a.c.unit_id == unit_id, a.c.campaign_id == campaign_id, a.c.activity_id.in_(chunk)
        ),
    )
    return {activity_id for (activity_id,) in found}


async def _chunked(backbone: Backbone, wanted: list[str], query: Callable[[list[str]], Select[Any]]) -> list[Any]:
    """The rows ``query`` finds for ``wanted``, asked a bounded chunk at a time (IN lists stay short)."""

    async def read(connection: AsyncConnection) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            found.extend(await connection.execute(query(wanted[start : start + _LOOKUP_CHUNK])))
        return found

    return await reading(backbone.engine, read) if wanted else []
