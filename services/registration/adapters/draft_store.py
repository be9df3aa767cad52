"""Drafts in registration's database: one row each, private to the unit, never on a stream."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.runtime import Backbone
from shared.store import Changes, ConcurrencyError, reading, transaction

from ..domain.errors import NotFound
from .tables import drafts


@dataclass(frozen=True)
class Draft:
    id: str
    revision: int
    data: dict[str, Any]
    updated_at: datetime


class SqlDraftStore:
    """Each write its own transaction (a draft is no aggregate: nothing is published)."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def insert(self, unit_id: str | None, draft: Draft, limit: int) -> bool:
        """Add the draft unless the unit holds ``limit`` already (then False, nothing written)."""
        async with transaction(self._backbone.engine) as connection:
            held = await connection.scalar(select(func.count()).select_from(drafts).where(drafts.c.unit_id == unit_id))
            if int(held or 0) >= limit:
                return False
            await connection.execute(
                drafts.insert().values(
                    draft_id=draft.id,
                    unit_id=unit_id,
                    campaign_id=draft.data.get("campaign_id"),
                    revision=draft.revision,
                    data=json.dumps(draft.data, ensure_ascii=False),
                    created_at=draft.updated_at,
                    updated_at=draft.updated_at,
                )
            )
        return True

    async def replace(self, unit_id: str | None, draft: Draft) -> None:
        """Write ``draft`` over the unit's draft at the revision before it (:class:`NotFound`,
        :class:`ConcurrencyError`)."""
        revision = draft.revision - 1
        async with transaction(self._backbone.engine) as connection:
            current = await _revision(connection, unit_id, draft.id)
            if current != revision:
                raise ConcurrencyError(draft.id, revision, current)
            await connection.execute(
                update(drafts)
                .where(drafts.c.draft_id == draft.id, drafts.c.revision == revision)
                .values(
                    revision=draft.revision,
                    data=json.dumps(draft.data, ensure_ascii=False),
                    campaign_id=draft.data.get("campaign_id"),
                    updated_at=draft.updated_at,
                )
            )

    async def delete(self, unit_id: str | None, draft_id: str) -> None:
        async with transaction(self._backbone.engine) as connection:
            await _revision(connection, unit_id, draft_id)
            await connection.execute(delete(drafts).where(drafts.c.draft_id == draft_id))

    async def get(self, unit_id: str | None, draft_id: str) -> Draft:
        async def read(connection: AsyncConnection) -> Draft:
            row = (
                (
                    await connection.execute(
                        select(drafts).where(drafts.c.draft_id == draft_id, drafts.c.unit_id == unit_id)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound("draft", draft_id)
            return _draft(row)

        return await reading(self._backbone.engine, read)

    async def mine(self, unit_id: str | None, limit: int) -> list[Draft]:
        query = select(drafts).where(drafts.c.unit_id == unit_id).order_by(drafts.c.updated_at.desc()).limit(limit)

        async def read(connection: AsyncConnection) -> list[Draft]:
            return [_draft(row) for row in (await connection.execute(query)).mappings()]

        return await reading(self._backbone.engine, read)

    @staticmethod
    def deletion(draft_id: str, revision: int) -> Changes:
        """The draft's deletion at ``revision``, to commit with its submission."""
        return Changes(statements=[delete(drafts).where(drafts.c.draft_id == draft_id, drafts.c.revision == revision)])


async def _revision(connection: AsyncConnection, unit_id: str | None, draft_id: str) -> int:
    revision = await connection.scalar(
        select(drafts.c.revision).where(drafts.c.draft_id == draft_id, drafts.c.unit_id == unit_id)
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
