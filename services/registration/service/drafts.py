"""Drafts: an organizer's unsubmitted activities, saved incomplete, private to the unit, never on a stream.

Submitting a draft validates it as a full registration and registers it under the draft's id; the
draft row is deleted in the same transaction as the registration's event.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.auth import Principal
from shared.store import ConcurrencyError

from ..adapters.draft_store import Draft, SqlDraftStore
from ..domain.activity import Activity, ActivityDetails
from ..domain.errors import RuleBroken
from .activities import Activities

__all__ = ["MAX_DRAFTS_PER_UNIT", "Draft", "Drafts"]

MAX_DRAFTS_PER_UNIT = 1000


class Drafts:
    """Create, change, list, delete and submit a unit's drafts."""

    def __init__(self, store: SqlDraftStore, activities: Activities) -> None:
        self._store = store
        self._activities = activities

    async def create(self, principal: Principal, data: dict[str, Any]) -> Draft:
        draft = Draft(uuid.uuid4().hex, 1, data, datetime.now(UTC))
        if not await self._store.insert(principal.unit_id, draft, MAX_DRAFTS_PER_UNIT):
            raise RuleBroken(
                "drafts", f"草稿最多 {MAX_DRAFTS_PER_UNIT} 份 (at most {MAX_DRAFTS_PER_UNIT} drafts per unit)"
            )
        return draft

    async def replace(self, principal: Principal, draft_id: str, revision: int, data: dict[str, Any]) -> Draft:
        draft = Draft(draft_id, revision + 1, data, datetime.now(UTC))
        await self._store.replace(principal.unit_id, draft)
        return draft

    async def delete(self, principal: Principal, draft_id: str) -> None:
        await self._store.delete(principal.unit_id, draft_id)

    async def get(self, principal: Principal, draft_id: str) -> Draft:
        return await self._store.get(principal.unit_id, draft_id)

    async def mine(self, principal: Principal) -> list[Draft]:
        return await self._store.mine(principal.unit_id, MAX_DRAFTS_PER_UNIT)

    async def submit(
        self, principal: Principal, draft_id: str, revision: int, campaign_id: str, details: ActivityDetails
    ) -> Activity:
        """Register the draft's validated ``details`` under its id and delete the draft, in one transaction."""
        draft = await self.get(principal, draft_id)
        if draft.revision != revision:
            raise ConcurrencyError(draft_id, revision, draft.revision)
        return await self._activities.register(
            principal, campaign_id, details, activity_id=draft_id, also=self._store.deletion(draft_id, revision)
        )
