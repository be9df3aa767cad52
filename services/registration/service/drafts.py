"""Drafts: an organizer's unsubmitted activities, saved incomplete, private to the unit, never on a stream.

Submitting a draft validates it as a full registration and registers it under the draft's id; the
draft row is deleted in the same transaction as the registration's event.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.auth import Principal
from shared.runtime import Backbone
from shared.store import Changes, ConcurrencyError, reading, transaction

from ..adapters.tables import drafts
from ..domain.activity import Activity, ActivityDetails
from ..domain.errors import NotFound, RuleBroken
from .activities import Activities

MAX_DRAFTS_PER_UNIT = 1000


@dataclass(frozen=True)
class Draft:
    id: str
    revision: int
    data: dict[str, Any]
    updated_at: datetime


class Drafts:
    """Create, change, list, delete and submit a unit's drafts."""

    def __init__(self, backbone: Backbone, activities: Activities) -> None:
        self._backbone = backbone
        self._activities = activities

    async def create(self, principal: Principal, data: dict[str, Any]) -> Draft:
        now = datetime.now(UTC)
        draft = Draft(uuid.uuid4().hex, 1, data, now)

        async with transaction(self._backbone.engine) as connection:
            held = await connection.scalar(
                select(func.count()).select_from(drafts).where(drafts.c.unit_id == principal.unit_id)
            )
            if int(held or 0) >= MAX_DRAFTS_PER_UNIT:
                raise RuleBroken(
                    "drafts", f"草稿最多 {MAX_DRAFTS_PER_UNIT} 份 (at most {MAX_DRAFTS_PER_UNIT} drafts per unit)"
                )
            await connection.execute(
                drafts.insert().values(
                    draft_id=draft.id,
                    unit_id=principal.unit_id,
                    campaign_id=data.get("campaign_id"),
                    revision=1,
                    data=json.dumps(data, ensure_ascii=False),
                    created_at=now,
                    updated_at=now,
                )
            )
        return draft

    async def replace(self, principal: Principal, draft_id: str, revision: int, data: dict[str, Any]) -> Draft:
        now = datetime.now(UTC)

        async with transaction(self._backbone.engine) as connection:
            current = await self._revision(connection, principal, draft_id)
            if current != revision:
                raise ConcurrencyError(draft_id, revision, current)
            await connection.execute(
                update(drafts)
                .where(drafts.c.draft_id == draft_id, drafts.c.revision == revision)
                .values(
                    revision=revision + 1,
                    data=json.dumps(data, ensure_ascii=False),
                    campaign_id=data.get("campaign_id"),
                    updated_at=now,
                )
            )
        return Draft(draft_id, revision + 1, data, now)

    async def delete(self, principal: Principal, draft_id: str) -> None:
        async with transaction(self._backbone.engine) as connection:
            await self._revision(connection, principal, draft_id)
            await connection.execute(delete(drafts).where(drafts.c.draft_id == draft_id))

    async def get(self, principal: Principal, draft_id: str) -> Draft:
        async def read(connection: AsyncConnection) -> Draft:
            row = (
                (
                    await connection.execute(
                        select(drafts).where(drafts.c.draft_id == draft_id, drafts.c.unit_id == principal.unit_id)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound("draft", draft_id)
            return _draft(row)

        return await reading(self._backbone.engine, read)

    async def mine(self, principal: Principal) -> list[Draft]:
        query = (
            select(drafts)
            .where(drafts.c.unit_id == principal.unit_id)
            .order_by(drafts.c.updated_at.desc())
            .limit(MAX_DRAFTS_PER_UNIT)
        )

        async def read(connection: AsyncConnection) -> list[Draft]:
            return [_draft(row) for row in (await connection.execute(query)).mappings()]

        return await reading(self._backbone.engine, read)

    async def submit(
        self, principal: Principal, draft_id: str, revision: int, campaign_id: str, details: ActivityDetails
    ) -> Activity:
        """Register the draft's validated ``details`` under its id and delete the draft, in one transaction."""
        draft = await self.get(principal, draft_id)
        if draft.revision != revision:
            raise ConcurrencyError(draft_id, revision, draft.revision)
        gone = delete(drafts).where(drafts.c.draft_id == draft_id, drafts.c.revision == revision)
        return await self._activities.register(
            principal, campaign_id, details, activity_id=draft_id, also=Changes(statements=[gone])
        )

    @staticmethod
    async def _revision(connection: AsyncConnection, principal: Principal, draft_id: str) -> int:
        revision = await connection.scalar(
            select(drafts.c.revision).where(drafts.c.draft_id == draft_id, drafts.c.unit_id == principal.unit_id)
        )
        if revision is None:
            raise NotFound("draft", draft_id)
        return int(revision)


def _draft(row: Any) -> Draft:
    updated = row["updated_at"]
    return Draft(
        row["draft_id"],
        row["revision"],
        json.loads(row["data"]),
        updated if updated.tzinfo else updated.replace(tzinfo=UTC),
    )
