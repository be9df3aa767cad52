"""``/api/v1/erasures``: an admin erases a person's personal data (PIPL art. 47); see ``erasure.py``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shared.web.auth import AdminDep

from ...domain.erasure import Erasure
from ..deps import RegistrationDep

router = APIRouter(prefix="/erasures", tags=["erasures"])


class ErasureIn(BaseModel):
    """Whom to erase. The phone travels in the body, never in a URL that access logs keep."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=7, max_length=20, description="The person's phone number, as it was listed")


class ErasureOut(BaseModel):
    erased: bool = Field(description="False when nothing of the person was left (erasing again changes nothing)")
    erasure_id: str | None
    science_worker_entries: int = Field(description="Listings as a science worker, now erased (still counted)")
    contact_entries: int = Field(description="Activities whose contact person they were, now without one")
    keys_destroyed: int
    unit_contacts: int = Field(description="Units whose own contact person they were: the unit stays, without contact")
    accounts_closed: int = Field(
        description="Accounts whose login was the phone: disabled, tokens revoked, login erased"
    )

    @classmethod
    def of(cls, erasure: Erasure) -> ErasureOut:
        return cls(
            erased=erasure.erased,
            erasure_id=erasure.erasure_id,
            science_worker_entries=erasure.science_worker_entries,
            contact_entries=erasure.contact_entries,
            keys_destroyed=erasure.keys_destroyed,
            unit_contacts=erasure.unit_contacts,
            accounts_closed=erasure.accounts_closed,
        )


@router.post("", response_model=ErasureOut, summary="Erase a person's personal data (admin)")
async def erase_person(body: ErasureIn, admin: AdminDep, registration: RegistrationDep) -> ErasureOut:
    """Destroy the person's key and delete their personal data everywhere; idempotent.

    An account whose login is the phone (a unit's own contact person) is disabled, its tokens revoked
    and its login erased; the unit stays, with its activities and counts. Publishes
    ``personal-data-erased`` (no personal data) so that notification and review forget them too.
    """
    erasure = await registration.erasures.erase(body.phone, admin.subject)
    return ErasureOut.of(erasure)
