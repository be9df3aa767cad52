"""Registration's service layer for local administration: the staff accounts an admin manages.

The rule is :class:`~.domain.staff.Administrator`'s; this module reads the accounts it applies to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from shared.auth import Principal
from shared.events.masking import mask_phone
from shared.runtime import Backbone
from shared.store import sync_reading

from ..adapters.tables import accounts
from ..domain.staff import Administrator
from .access import UnknownAccount

STAFF_ROLES = ("reviewer", "admin")
LIMIT = 2000  # a province's bodies: its cities and counties, a few hundred


def administrator_of(principal: Principal) -> Administrator:
    """The administrator an admin's token names (the national admin has no jurisdiction)."""
    return Administrator(principal.level or "national", principal.jurisdiction)


class StaffAccounts:
    """Lists and finds the staff accounts an administrator manages."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def managed_by(self, administrator: Administrator) -> list[dict[str, Any]]:
        """The staff accounts ``administrator`` may manage, by level then jurisdiction then login."""
        a = accounts
        query = select(
            a.c.account_id, a.c.login, a.c.role, a.c.level, a.c.jurisdiction, a.c.phone, a.c.disabled, a.c.created_at
        ).where(a.c.role.in_(STAFF_ROLES))
        if not administrator.national:
            assert administrator.jurisdiction is not None
            query = query.where(a.c.role == "reviewer", a.c.jurisdiction.startswith(administrator.jurisdiction))
        query = query.order_by(a.c.jurisdiction, a.c.login).limit(LIMIT)
        rows = await sync_reading(self._backbone.engine, lambda c: c.execute(query).mappings().all())
        return [
            {**row, "phone_masked": mask_phone(row["phone"]) if row["phone"] else None}
            for row in rows
            if administrator.sees(row["level"], row["jurisdiction"], row["role"])
        ]

    async def get(self, account_id: str) -> Mapping[str, Any]:
        """An account's role, level and jurisdiction; :class:`UnknownAccount` when there is none."""
        a = accounts
        query = select(a.c.role, a.c.level, a.c.jurisdiction).where(a.c.account_id == account_id)
        row = await sync_reading(self._backbone.engine, lambda c: c.execute(query).mappings().first())
        if row is None:
            raise UnknownAccount(account_id)
        return dict(row)
