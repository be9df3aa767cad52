"""Who may read what analytics serves, decided on the caller's role and jurisdiction.

Staff are reviewers and admins. A reviewer below national level sees only inside its jurisdiction
(its own region when it names none); admins and national bodies (no jurisdiction, or a society's field)
see everything. Whether a campaign's statistics are public is the campaign's setting (``CampaignAccess``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from .errors import Forbidden, Unauthenticated

STAFF: tuple[str, ...] = ("reviewer", "admin")


class Caller(Protocol):
    """Who is calling, as its token says (``shared.auth.Principal`` is one)."""

    @property
    def role(self) -> str: ...

    @property
    def jurisdiction(self) -> str | None: ...


C = TypeVar("C", bound=Caller)


@dataclass(frozen=True)
class CampaignAccess:
    known: bool  # analytics has the campaign's configuration (for all campaigns: always)
    public: bool  # its aggregate statistics answer anyone (all campaigns': while none is closed)


def require_staff(caller: C | None, what: str) -> C:
    """``caller`` when it is staff; refused without a token or with another role."""
    if caller is None:
        raise Unauthenticated(f"{what}: send a reviewer's or an admin's token")
    if caller.role not in STAFF:
        raise Forbidden(f"{what}: this needs the role reviewer or admin; the token's role is {caller.role}")
    return caller


def within_jurisdiction(staff: Caller, region: str | None) -> str | None:
    """The region ``staff`` may see for ``region``: a reviewer below national level sees only inside its
    jurisdiction (its own region when none is asked for; refused outside); admins and national bodies (no
    jurisdiction, or a society's field) see everything."""
    jurisdiction = staff.jurisdiction
    if staff.role == "admin" or not jurisdiction or not jurisdiction.isdigit():
        return region
    if region is None:
        return jurisdiction
    if region.startswith(jurisdiction):
        return region
    raise Forbidden(f"A reviewer of {jurisdiction} sees only inside its jurisdiction, not {region}")
