"""Organizer units and their accounts: signing up, and the rules a sign-up must keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared.events.masking import mask_name, mask_phone
from shared.events.payloads.campaigns import UnitRegistered

from .rules import Regions, RuleBroken, require_region

UnitType = Literal["school", "company", "institute", "hospital", "museum", "society", "government", "other"]

# Mainland mobile numbers, or landlines with their area code (0xx-xxxxxxxx).
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class SignUpUnit:
    """Command: an organizer unit creates its account."""

    name: str
    unit_type: UnitType
    region_code: str
    contact_name: str
    contact_phone: str
    password: str


def sign_up(unit_id: str, command: SignUpUnit, regions: Regions) -> UnitRegistered:
    """Decide a unit's registration; its contact travels masked, the clear values stay in registration."""
    require_region(regions, command.region_code)
    if not PHONE.match(command.contact_phone):
        raise RuleBroken("contact_phone", "联系电话格式不正确 (not a mainland mobile or landline number)")
    return UnitRegistered(
        unit_id=unit_id,
        name=command.name,
        unit_type=command.unit_type,
        region_code=command.region_code,
        contact_name_masked=mask_name(command.contact_name),
        contact_phone_masked=mask_phone(command.contact_phone),
    )
