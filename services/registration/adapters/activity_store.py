"""Activities in registration's database: the :class:`~..service.ports.ActivityStore` the commands use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from shared.events.payloads.restricted import ScienceWorkersListed
from shared.runtime import Backbone
from shared.store import Changes, sync_reading

from ..domain.activity import Activity, Decision
from ..service.ports import ActivityStore
from .activity_rows import activity_of
from .activity_state import decision_changes
from .tables import activities
from .units import unit_registered


class SqlActivityStore(ActivityStore):
    """Reads the ``activities`` row, the unit's ``unit-registered`` event; commits through the group-commit writer."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def get(self, activity_id: str) -> Activity | None:
        """One row by its key: on a SQLite file a single inline read, with no pooled connection to wait for."""
        query = select(activities).where(activities.c.activity_id == activity_id)

        def load(connection: Connection) -> Activity | None:
            row: Any = connection.execute(query).mappings().first()
            return activity_of(row) if row is not None else None

        return await sync_reading(self._backbone.engine, load)

    async def unit_region(self, unit_id: str) -> str | None:
        registered = await unit_registered(self._backbone, unit_id)
        return registered.region_code if registered is not None else None

    async def commit(
        self,
        decision: Decision,
        expected: int,
        now: datetime,
        sealed: ScienceWorkersListed | None = None,
        also: Changes | None = None,
    ) -> None:
        changes = decision_changes(decision, expected, now, sealed)
        if also is not None:
            changes.statements.extend(also.statements)
            changes.inserts.extend(also.inserts)
        await self._backbone.writer.submit(changes)
