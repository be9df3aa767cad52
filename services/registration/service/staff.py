"""Registration's service layer for local administration: the staff accounts an admin manages.

The rule is :class:`~.domain.staff.Administrator`'s; this module reads the accounts it applies to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.auth import Principal
from shared.events.masking import mask_phone
from shared.runtime import Backbone

from ..adapters.staff_queries import placement, staff_rows
from ..domain.staff import Administrator
from .access import UnknownAccount


def administrator_of(principal: Principal) -> Administrator:
    """The administrator an admin's token names (the national admin has no jurisdiction)."""
    return Administrator(principal.level or "national", principal.jurisdiction)


class StaffAccounts:
    """Lists and finds the staff accounts an administrator manages."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def managed_by(self, administrator: Administrator) -> list[dict[str, Any]]:
        """The staff accounts ``administrator`` may manage, by level then jurisdiction then login."""
        under = None if administrator.national else administrator.jurisdiction
        assert administrator.national or under is not None
        rows = await staff_rows(self._backbone, under)
        return [
            {**row, "phone_masked": mask_phone(row["phone"]) if row["phone"] else None}
            for row in rows
            if administrator.sees(row["level"], row["jurisdiction"], row["role"])
        ]

    async def get(self, account_id: str) -> Mapping[str, Any]:
        """An account's role, level and jurisdiction; :class:`UnknownAccount` when there is none."""
        row = await placement(self._backbone, account_id)
        if row is None:
            raise UnknownAccount(account_id)
        return dict(row)
