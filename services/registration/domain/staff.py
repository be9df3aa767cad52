"""Local administration: which reviewer accounts a level admin may create, disable and enable.

There are some 3,000 county bodies: the operator cannot make all their accounts. A level admin (an
admin with a level and a jurisdiction) manages the reviewer accounts of the levels below its own
inside its jurisdiction: a province admin its cities' and counties', a city admin its counties'. The
national admin (no jurisdiction) manages every staff account, the national societies', ministries'
and units' bodies included.
"""

from __future__ import annotations

from dataclasses import dataclass

from .unit import LEVEL_NAMES

RANK = {"county": 0, "city": 1, "province": 2, "national": 3}


class OutsideAdministration(Exception):
    """The account is not the caller's to manage (a 403); the message, in Chinese, says why."""


@dataclass(frozen=True)
class Administrator:
    """Who manages accounts: the national admin (``jurisdiction`` None) or a level admin."""

    level: str
    jurisdiction: str | None

    @property
    def national(self) -> bool:
        return self.jurisdiction is None

    def describe(self) -> str:
        return "全国" if self.national else f"{LEVEL_NAMES.get(self.level, self.level)} {self.jurisdiction}"

    def require_may_manage(self, role: str, level: str | None, jurisdiction: str | None) -> None:
        """Refuse with :class:`OutsideAdministration` an account this administrator may not manage."""
        if self.national:
            return
        if role != "reviewer":
            raise OutsideAdministration(
                f"地方管理员（{self.describe()}）只能管理审核账号，不能管理{_role_name(role)}账号 (role)"
            )
        if level is None or RANK.get(level, 3) >= RANK.get(self.level, 0):
            raise OutsideAdministration(
                f"地方管理员（{self.describe()}）只能管理下级审核账号，"
                f"不能管理{LEVEL_NAMES.get(level or 'national', level)}账号 (level)"
            )
        assert self.jurisdiction is not None
        if jurisdiction is None or not jurisdiction.isdigit() or not jurisdiction.startswith(self.jurisdiction):
            raise OutsideAdministration(
                f"管辖 {jurisdiction or '全国'} 不在本管理员（{self.describe()}）的管辖范围内 (jurisdiction)"
            )

    def sees(self, level: str | None, jurisdiction: str | None, role: str) -> bool:
        """Whether an account shows in this administrator's list (those it may manage)."""
        try:
            self.require_may_manage(role, level, jurisdiction)
        except OutsideAdministration:
            return False
        return True


def _role_name(role: str) -> str:
    return {"admin": "管理员", "organizer": "举办单位"}.get(role, role)
