"""An erasure (个人信息删除) as the domain sees it: whose phone, and what it did (counts only, never whom)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import RuleBroken
from .unit import PHONE


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: counts only, never whom."""

    erasure_id: str | None
    science_worker_entries: int
    contact_entries: int
    keys_destroyed: int
    unit_contacts: int = 0
    accounts_closed: int = 0

    @property
    def erased(self) -> bool:
        return self.erasure_id is not None


def normalised_phone(phone: str) -> str:
    """The phone as registration stores it (spaces and dashes of a mobile number dropped)."""
    digits = re.sub(r"[\s-]", "", phone)
    if PHONE.match(phone.strip()):
        return phone.strip()
    if not PHONE.match(digits):
        raise RuleBroken("phone", "电话号码格式不正确 (not a mainland mobile or landline number)")
    return digits
