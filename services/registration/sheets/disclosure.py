"""Who gets which 附件1 sheet, and how much of it in clear.

An organizer gets its own unit's activities with everything in clear. Staff get every unit's activities
of their jurisdiction with the contact persons (负责人, 联系电话) in clear — the very fields the table
exists to collect — and the science workers masked (other units' people the table does not ask for);
each such sheet is recorded as a ``contacts-viewed`` audit event (:mod:`.audit`). A regional reviewer
sees its division only; a national society judges by field, not by region, so it has no 附件1 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth import Principal
from shared.events.payloads.campaigns import LEVELS


class NotAllowed(Exception):
    """The caller may not have the sheet asked for (a 403 naming why)."""


@dataclass(frozen=True)
class Disclosure:
    """Whose activities (``unit_id``; None: every unit), where, and what in clear."""

    unit_id: str | None
    region: str | None
    clear: bool
    contacts: bool
    body: str | None = None

    @property
    def audited(self) -> bool:
        """Staff reading other units' contacts in clear: every such sheet is recorded."""
        return self.contacts and not self.clear


def disclosure_for(principal: Principal, region: str | None) -> Disclosure:
    """The sheet ``principal`` gets when asking for ``region`` (None: all it may see); :class:`NotAllowed`."""
    if principal.role == "organizer":
        return Disclosure(principal.unit_id, region, clear=True, contacts=True)
    if principal.role == "admin" and not principal.national_admin:
        raise NotAllowed("地方管理员只管理下级审核账号，不导出活动表格 (a level admin manages accounts only)")
    if principal.role == "admin":
        return Disclosure(None, region, clear=False, contacts=True, body="national:CN")
    if principal.role != "reviewer" or principal.level not in LEVELS:
        raise NotAllowed(f"活动表格仅供举办单位、审核单位和管理员导出 (the token's role is {principal.role})")
    jurisdiction = principal.jurisdiction or ""
    if jurisdiction.startswith(("society:", "ministry:", "unit:")):
        raise NotAllowed(
            "附件1 按行政区划汇总，全国学会、部委系统和有关单位请在推荐列表中查看所属领域的活动 (bodies of a field judge by field)"
        )
    if region is not None and not region.startswith(jurisdiction):
        raise NotAllowed(f"region={region} 不在本单位（{jurisdiction}）的管辖范围内 (outside the jurisdiction)")
    body = f"{principal.level}:{jurisdiction or 'CN'}"
    return Disclosure(None, region or jurisdiction or None, clear=False, contacts=True, body=body)
