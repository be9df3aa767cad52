"""Bulk registration from an uploaded 附件1 sheet: every row registered on its own, through
:meth:`Activities.register` exactly as a POST, so a refused row writes nothing and blocks no other.

A row's idempotency identity is its unit, the campaign and a hash of what it registers
(:func:`.rows.identity`); it is recorded in ``idempotency_keys`` in the registration's own transaction,
so the same sheet uploaded again (or two uploads racing) reports ``already_registered`` instead of
registering twice. A row naming its 活动编号 (a unit's own export) is recognised by that id as well.
An import only registers: it never changes an activity already registered (that is ``PUT``'s work).
Rows are registered concurrently in bounded batches, which the group-commit writer folds into few
transactions. Before any of that, a unit holds its :class:`.gate.ImportGate` slot (one import at a
time) and the workbook is inspected within :class:`.reading.SheetLimits` before openpyxl reads it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from shared.auth import Principal
from shared.runtime import Backbone
from shared.store import Changes, IntegrityViolation
from shared.web.idempotency import IdempotentRequest

from ..domain.errors import RuleBroken
from ..service.activities import Activities
from .gate import ImportGate
from .lookups import recorded_rows, stated_activities
from .reading import Sheet, SheetLimits, read_sheet
from .rows import CellProblem, RowCandidate, identity, read_row

MAX_ROWS = 2000
BATCH = 50

Status = Literal["registered", "already_registered", "refused"]


@dataclass
class RowOutcome:
    """What became of one row: registered (or already), with the activity's id, or refused and why."""

    row: int
    status: Status
    activity_id: str | None = None
    errors: list[CellProblem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        if self.status == "refused":
            return {
                "row": self.row,
                "status": self.status,
                "errors": [{"column": e.column, "field": e.field, "message": e.message} for e in self.errors],
            }
        return {"row": self.row, "status": self.status, "activity_id": self.activity_id}


@dataclass
class ImportReport:
    """The outcome of an upload, row by row, with the sheet it was read from (for the xlsx report)."""

    campaign_id: str
    sheet: Sheet
    outcomes: list[RowOutcome]

    def counts(self) -> dict[str, int]:
        counts = {"rows": len(self.outcomes), "registered": 0, "already_registered": 0, "refused": 0}
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "sheet": self.sheet.title,
            "header_row": self.sheet.header_row,
            "ignored_columns": self.sheet.ignored,
            "counts": self.counts(),
            "rows": [o.as_json() for o in self.outcomes],
        }


class SheetImport:
    """Imports an organizer's sheet into one campaign."""

    def __init__(
        self, backbone: Backbone, activities: Activities, gate: ImportGate, limits: SheetLimits | None = None
    ) -> None:
        self._backbone = backbone
        self._activities = activities
        self._gate = gate
        self._limits = limits or SheetLimits()

    async def run(self, principal: Principal, campaign_id: str, data: bytes) -> ImportReport:
        """Register every valid row of ``data`` (an .xlsx) not registered before; report each row.

        Raises :class:`RuleBroken` when the campaign does not exist or is closed,
        :class:`~.reading.SheetRefused` when the file is not a readable activity sheet within the limits,
        and :class:`~.gate.ImportInProgress` when the unit's previous import is still running.
        """
        if principal.role != "organizer" or principal.unit_id is None:
            raise RuleBroken("role", "只有活动举办单位可以导入活动 (only an organizer unit imports activities)")
        async with self._gate.hold(principal.unit_id):
            return await self._run(principal, principal.unit_id, campaign_id, data)

    async def _run(self, principal: Principal, unit_id: str, campaign_id: str, data: bytes) -> ImportReport:
        campaign = await self._activities.campaigns.get(campaign_id)
        campaign.require_registration_open(datetime.now(UTC))
        async with self._gate.reading():
            sheet = await asyncio.to_thread(read_sheet, data, MAX_ROWS, self._limits)
        candidates = [read_row(sheet, row, campaign_id) for row in sheet.rows]
        scope = f"POST /activities/import {unit_id} {campaign_id}"
        identities = {c.row: identity(c.body) for c in candidates if c.body is not None}
        recorded = await recorded_rows(self._backbone, scope, identities.values())
        stated = await stated_activities(self._backbone, unit_id, campaign_id, (c.stated_id for c in candidates))

        outcomes: dict[int, RowOutcome] = {}
        first_of: dict[str, RowCandidate] = {}
        pending: list[RowCandidate] = []
        for candidate in candidates:
            key = identities.get(candidate.row)
            if key is None:
                outcomes[candidate.row] = RowOutcome(candidate.row, "refused", errors=candidate.problems)
            elif candidate.stated_id in stated or key in recorded:
                existing = candidate.stated_id if candidate.stated_id in stated else recorded[key]
                outcomes[candidate.row] = RowOutcome(candidate.row, "already_registered", existing)
            elif key not in first_of:
                first_of[key] = candidate
                pending.append(candidate)
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            await self._activities.campaigns.get(campaign_id)  # one refresh of the cache, not one per row
            done = await asyncio.gather(*(self._register(principal, scope, c, identities[c.row]) for c in batch))
            outcomes.update((o.row, o) for o in done)
        for candidate in candidates:  # a row repeated within the sheet shares its first copy's fate
            if candidate.row not in outcomes:
                first = outcomes[first_of[identities[candidate.row]].row]
                status: Status = "already_registered" if first.status != "refused" else "refused"
                outcomes[candidate.row] = RowOutcome(candidate.row, status, first.activity_id, first.errors)
        return ImportReport(campaign_id, sheet, [outcomes[c.row] for c in candidates])

    async def _register(self, principal: Principal, scope: str, candidate: RowCandidate, key: str) -> RowOutcome:
        assert candidate.body is not None
        activity_id = uuid.uuid4().hex
        row_identity = self._backbone.idempotency.record(
            IdempotentRequest(scope, key, key), 201, _recorded(activity_id)
        )
        try:
            activity = await self._activities.register(
                principal,
                candidate.body.campaign_id,
                candidate.body.details(),
                activity_id=activity_id,
                also=Changes(inserts=[row_identity]),
            )
        except RuleBroken as exc:
            return RowOutcome(candidate.row, "refused", errors=[candidate.problem(exc.field, str(exc))])
        except IntegrityViolation:
            # another upload of the same row committed first: its identity is recorded now
            raced = await recorded_rows(self._backbone, scope, [key])
            if key not in raced:
                raise
            return RowOutcome(candidate.row, "already_registered", raced[key])
        return RowOutcome(candidate.row, "registered", activity.id)


def _recorded(activity_id: str) -> bytes:
    return json.dumps({"id": activity_id}).encode()
