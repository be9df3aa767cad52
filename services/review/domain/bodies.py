"""Reviewing bodies: who judges what, by level and jurisdiction.

A body is a county, city or provincial association (jurisdiction: the division's GB/T 2260 code,
which is a prefix of every code inside it), the national organisers (the whole country) or a
national society (``society:<field>``, at national level, judging by field rather than region).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.auth import Principal
from shared.events.payloads.campaigns import LEVELS, Level

from .rules import OutsideJurisdiction

SOCIETY = "society:"
LEVEL_NAMES = {"county": "县级", "city": "市级", "province": "省级", "national": "全国"}


@dataclass(frozen=True)
class Body:
    """A reviewing body; ``jurisdiction`` is a region prefix, ``society:<field>`` or ``""`` (all China)."""

    level: Level
    jurisdiction: str = ""

    @property
    def id(self) -> str:
        return f"{self.level}:{self.jurisdiction or 'CN'}"

    @property
    def field(self) -> str | None:
        """The field of a national society, else None."""
        return self.jurisdiction.removeprefix(SOCIETY) if self.jurisdiction.startswith(SOCIETY) else None

    @classmethod
    def of_id(cls, body_id: str) -> Body:
        level, _, jurisdiction = body_id.partition(":")
        if level not in LEVELS:
            raise ValueError(f"no such level in body id {body_id!r}")
        return cls(level, "" if jurisdiction == "CN" else jurisdiction)

    def covers_region(self, region_code: str) -> bool:
        """Whether an activity or unit in ``region_code`` lies inside this body's region."""
        return self.field is None and region_code.startswith(self.jurisdiction)

    def covers(self, region_code: str, fields: Iterable[str] = ()) -> bool:
        """Whether the body judges an activity or unit in ``region_code`` with ``fields``.

        A society's field matches the activity's category, joint action or one of its themes.
        """
        if self.field is not None:
            return self.field in set(fields)
        return self.covers_region(region_code)

    def require(self, region_code: str, fields: Iterable[str] = (), *, what: str) -> None:
        if not self.covers(region_code, fields):
            raise OutsideJurisdiction(f"{what} 不在本单位（{self.describe()}）的管辖范围内 (outside {self.id})")

    def describe(self) -> str:
        if self.field is not None:
            return f"全国学会·{self.field}"
        return f"{LEVEL_NAMES[self.level]} {self.jurisdiction or '全国'}"


def body_of(principal: Principal) -> Body:
    """The body a reviewer or admin acts for (an admin acts for the national organisers)."""
    if principal.role == "admin":
        return Body("national")
    if principal.role != "reviewer" or principal.level not in LEVELS:
        raise OutsideJurisdiction("只有审核单位可以审核和推荐 (only reviewing bodies review and recommend)")
    return Body(principal.level, principal.jurisdiction or "")
