"""The SQL of the staff accounts an administrator manages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from shared.runtime import Backbone
from shared.store import sync_reading

from .tables import accounts

STAFF_ROLES = ("reviewer", "admin")
LIMIT = 2000  # a province's bodies: its cities and counties, a few hundred


async def staff_rows(backbone: Backbone, reviewers_under: str | None) -> Sequence[Any]:
    """Staff accounts by jurisdiction then login: every one, or (``reviewers_under`` a jurisdiction) the
    reviewers inside it."""
    a = accounts
    query = select(
        a.c.account_id, a.c.login, a.c.role, a.c.level, a.c.jurisdiction, a.c.phone, a.c.disabled, a.c.created_at
    ).where(a.c.role.in_(STAFF_ROLES))
    if reviewers_under is not None:
        query = query.where(a.c.role == "reviewer", a.c.jurisdiction.startswith(reviewers_under))
    query = query.order_by(a.c.jurisdiction, a.c.login).limit(LIMIT)
    return await sync_reading(backbone.engine, lambda c: c.execute(query).mappings().all())


async def placement(backbone: Backbone, account_id: str) -> Any:
    """An account's role, level and jurisdiction (a row mapping), or None."""
    a = accounts
    query = select(a.c.role, a.c.level, a.c.jurisdiction).where(a.c.account_id == account_id)
    return await sync_reading(backbone.engine, lambda c: c.execute(query).mappings().first())
