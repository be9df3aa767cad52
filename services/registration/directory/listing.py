"""What the directory shows of an activity: its public fields, never a contact or a unit id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from shared.events.payloads.activities import ActivityRegistered, PublicActivity


class RegionCentres(Protocol):
    """Division centres (an adapter provides the data set)."""

    def centre(self, code: str) -> tuple[float, float] | None: ...


class Listing(PublicActivity):
    """An activity's public fields (:class:`PublicActivity`, as ``activity-registered`` names them);
    anything else is dropped.

    Contacts (even masked) and the organizer's unit id are not fields here, so they can never reach
    the view or an answer. The science workers are here only as their count (the activity's page
    shows how many take part), which names nobody.
    """

    @classmethod
    def registered(cls, payload: ActivityRegistered) -> Listing:
        return cls.model_validate(payload.model_dump())

    def updated(self, changes: Mapping[str, object]) -> Listing:
        """The listing after an ``activity-updated`` event's changes (unknown fields are ignored)."""
        known = {name: value for name, value in changes.items() if name in type(self).model_fields}
        return type(self).model_validate({**self.model_dump(), **known}) if known else self

    def searchable(self) -> list[str | None]:
        """The fields the search box looks in."""
        return [self.name, self.organizer_name, *self.co_organizers, self.address, self.description]

    @property
    def has_place(self) -> bool:
        """Held at a place: near-me lists it (online-only activities have nowhere to go to)."""
        return self.format != "online"

    @property
    def own_position(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    def position(self, centres: RegionCentres) -> tuple[float, float] | None:
        """Where near-me places it: its own coordinates, else its division's centre; None if online only."""
        if not self.has_place:
            return None
        return self.own_position or centres.centre(self.region_code)
