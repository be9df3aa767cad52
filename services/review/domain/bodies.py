"""Reviewing bodies: who judges what, by level and jurisdiction.

A body is a county, city or provincial association (jurisdiction: the division's GB/T 2260 code,
which is a prefix of every code inside it), the national organisers (the whole country) or a
national body of its own kind, judging by field rather than region: a national society
(``society:<field>``), a ministry's system (``ministry:<name>``, 部委系统) or a unit of its own
(``unit:<name>``, 各有关单位). Such a body covers the activities whose category, joint action or
themes name its field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.auth import Principal
from shared.events.payloads.campaigns import LEVELS, Level

from .errors import OutsideJurisdiction

SOCIETY = "society:"
MINISTRY = "ministry:"
UNIT = "unit:"
#: the national bodies of their own kind, beside the regions: prefix -> (kind, what it is called)
FIELD_BODIES = {SOCIETY: ("society", "全国学会"), MINISTRY: ("ministry", "部委系统"), UNIT: ("unit", "有关单位")}
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
        """The field of a national society, ministry or unit body, else None (a region's body)."""
        for prefix in FIELD_BODIES:
            if self.jurisdiction.startswith(prefix):
                return self.jurisdiction.removeprefix(prefix)
        return None

    @property
    def kind(self) -> str:
        """``region``, or the kind of a national body of its own: ``society``, ``ministry``, ``unit``."""
        for prefix, (kind, _) in FIELD_BODIES.items():
            if self.jurisdiction.startswith(prefix):
                return kind
        return "region"

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
            name = next(name for prefix, (_, name) in FIELD_BODIES.items() if self.jurisdiction.startswith(prefix))
            return f"{name}·{self.field}"
        return f"{LEVEL_NAMES[self.level]} {self.jurisdiction or '全国'}"


def body_of(principal: Principal) -> Body:
    """The body a reviewer or admin acts for (an admin acts for the national organisers)."""
    if principal.role == "admin":
        return Body("national")
    if principal.role != "reviewer" or principal.level not in LEVELS:
        raise OutsideJurisdiction("只有审核单位可以审核和推荐 (only reviewing bodies review and recommend)")
    return Body(principal.level, principal.jurisdiction or "")


def counted_region(body: Body, region: str | None) -> tuple[str, int]:
    """The region prefix a scoreboard counts for ``region`` (default: the body's) and the digits it groups by.

    A region wider than the body's jurisdiction counts only the body's part; one outside it is refused.
    """
    own = body.jurisdiction if body.field is None else ""
    asked = region if region is not None else own
    if not (asked.startswith(own) or own.startswith(asked)):
        raise OutsideJurisdiction(f"地区 {asked} 不在本单位（{body.describe()}）的管辖范围内", field="region")
    return max(asked, own, key=len), min(len(asked) + 2, 6)
