"""A unit as it signed up: its ``unit-registered`` event (a unit's name and region never change)."""

from __future__ import annotations

from shared.events import CATALOG
from shared.events.payloads.campaigns import UnitRegistered
from shared.runtime import Backbone
from shared.store import reading


async def unit_registered(backbone: Backbone, unit_id: str) -> UnitRegistered | None:
    """The unit's ``unit-registered`` event, or None for no such unit."""
    recorder = backbone.recorder
    events = await reading(backbone.engine, lambda c: recorder.load(c, unit_id))
    signed_up = [CATALOG.payload(e) for e in events if e.type == "unit-registered"]
    return signed_up[0] if signed_up and isinstance(signed_up[0], UnitRegistered) else None
