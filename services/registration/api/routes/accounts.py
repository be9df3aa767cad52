"""``/api/v1/accounts``: an admin creates a staff account (reviewer or admin), finds an account,
disables or enables it, or revokes its tokens.

A level admin (an admin with a level and a jurisdiction: a province or a city) creates, lists, disables
and enables the reviewer accounts of the levels below its own inside its jurisdiction; anything else
is a 403 in Chinese (:class:`~services.registration.domain.staff.Administrator`). Each creation is an
``account-created`` event.

Creating decides by the rules of ``kepuri staff create`` (one function,
:func:`~services.registration.domain.unit.place_staff`, and the same password rule); each creation
is logged (``kepuri.audit``: who created which account, never the password).

Disabling revokes every token the account holds and stops it logging in; every service refuses
those tokens within ``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS``. Disabling and enabling are
recorded as ``account-disabled`` / ``account-enabled`` events.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Principal
from shared.web import Problem
from shared.web.auth import AdminDep, AnyAdminDep
from shared.web.idempotency import Idempotent

from ...container import Registration
from ...service.staff import administrator_of
from ..deps import RegistrationDep
from ..errors import no_account

router = APIRouter(prefix="/accounts", tags=["units and accounts"])
audit = logging.getLogger("kepuri.audit")

AccountId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


class ManagedAccountOut(BaseModel):
    account_id: str
    login: str
    role: str
    level: str | None
    jurisdiction: str | None
    phone_masked: str | None
    disabled: bool


class AccountOut(BaseModel):
    account_id: str
    role: str
    unit_id: str | None
    disabled: bool


class StaffIn(BaseModel):
    """A staff account: an admin (national), or a reviewer of a reviewing body with its level and jurisdiction."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    login: str = Field(min_length=1, max_length=32, description="3 to 32 letters, digits or . _ @ -")
    password: str = Field(min_length=1, max_length=128, description="at least 10 characters")
    role: Literal["admin", "reviewer"]
    level: Literal["county", "city", "province", "national"] | None = Field(
        None, description="a reviewer's level; leave out for an admin"
    )
    jurisdiction: str | None = Field(
        None,
        max_length=64,
        description="a reviewer's division code of its level (county 6, city 4, province 2 digits), "
        "none for a national body, society:<field> for a national society, ministry:<name> for a ministry's "
        "system, unit:<name> for a national unit; for a level admin its division code; leave out for the national admin",
    )
    phone: str | None = Field(None, max_length=20, description="a mainland mobile: password-reset codes go there")


class StaffOut(BaseModel):
    account_id: str
    login: str
    role: str
    level: str | None
    jurisdiction: str | None


@router.post(
    "",
    status_code=201,
    response_model=StaffOut,
    summary="Create a staff account: a reviewer or an admin (admin; a level admin: reviewers below it)",
    responses={409: {"description": "the login exists"}},
    dependencies=[Idempotent],
)
async def create_staff(body: StaffIn, admin: AnyAdminDep, registration: RegistrationDep) -> JSONResponse:
    jurisdiction = body.jurisdiction or None
    _require_manages(admin, body.role, body.level, jurisdiction)
    account_id = await registration.accounts.create_staff(  # the login exists: IntegrityViolation, 409
        body.login, body.password, body.role, body.level, jurisdiction, phone=body.phone or None, by=admin.subject
    )
    national = body.role == "admin" and body.level in (None, "national") and jurisdiction is None
    level = "national" if national else body.level
    held = jurisdiction
    audit.info(
        "staff account created",
        extra={"account_id": account_id, "role": body.role, "level": level, "jurisdiction": held, "by": admin.subject},
    )
    answer = StaffOut(account_id=account_id, login=body.login, role=body.role, level=level, jurisdiction=held)
    return JSONResponse(
        answer.model_dump(), status_code=201, headers={"Location": f"/api/v1/accounts?login={body.login}"}
    )


def _require_manages(admin: Principal, role: str, level: str | None, jurisdiction: str | None) -> None:
    administrator_of(admin).require_may_manage(role, level, jurisdiction)  # OutsideAdministration: 403


async def _require_manages_account(admin: Principal, account_id: str, registration: Registration) -> None:
    target = await registration.staff.get(account_id)  # UnknownAccount: 404
    _require_manages(admin, target["role"], target["level"], target["jurisdiction"])


@router.get(
    "/managed",
    response_model=list[ManagedAccountOut],
    summary="The staff accounts the caller manages (national admin: all; level admin: the reviewers below it)",
)
async def managed_accounts(admin: AnyAdminDep, registration: RegistrationDep) -> list[ManagedAccountOut]:
    rows = await registration.staff.managed_by(administrator_of(admin))
    return [ManagedAccountOut(**row) for row in rows]


@router.get("", response_model=AccountOut, summary="Find an account by its login (admin)")
async def find_account(
    login: Annotated[str, Query(min_length=1, max_length=32)], _admin: AdminDep, registration: RegistrationDep
) -> AccountOut:
    row = await registration.accounts.find(login)
    if row is None:
        raise no_account("with that login")
    return AccountOut(account_id=row["account_id"], role=row["role"], unit_id=row["unit_id"], disabled=row["disabled"])


@router.post(
    "/{account_id}/disable",
    status_code=204,
    summary="Disable an account and revoke its tokens (admin; a level admin: the reviewers below it)",
)
async def disable_account(account_id: AccountId, admin: AnyAdminDep, registration: RegistrationDep) -> Response:
    await _require_manages_account(admin, account_id, registration)
    if account_id == admin.subject:
        raise Problem(422, "不能停用自己的账号 (cannot disable yourself)", "An admin cannot disable their own account")
    await registration.access.disable(account_id, by=admin.subject)
    return Response(status_code=204)


@router.post(
    "/{account_id}/enable",
    status_code=204,
    summary="Let a disabled account log in again (admin; a level admin: the reviewers below it)",
)
async def enable_account(account_id: AccountId, admin: AnyAdminDep, registration: RegistrationDep) -> Response:
    await _require_manages_account(admin, account_id, registration)
    await registration.access.enable(account_id, by=admin.subject)
    return Response(status_code=204)


@router.post("/{account_id}/revocation", status_code=204, summary="Revoke every token the account holds (admin)")
async def revoke_tokens(account_id: AccountId, _admin: AdminDep, registration: RegistrationDep) -> Response:
    await registration.access.revoke(account_id)  # UnknownAccount: 404
    return Response(status_code=204)
