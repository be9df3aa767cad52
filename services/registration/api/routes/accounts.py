"""``/api/v1/accounts``: an admin finds an account, disables or enables it, or revokes its tokens.

Disabling revokes every token the account holds and stops it logging in; every service refuses
those tokens within ``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS``. Disabling and enabling are
recorded as ``account-disabled`` / ``account-enabled`` events.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy import select

from shared.store import sync_reading
from shared.web import Problem
from shared.web.auth import AdminDep

from ...access import UnknownAccount
from ...adapters.tables import accounts
from ..deps import RegistrationDep

router = APIRouter(prefix="/accounts", tags=["units and accounts"])

AccountId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


class AccountOut(BaseModel):
    account_id: str
    role: str
    unit_id: str | None
    disabled: bool


def _unknown(what: str) -> Problem:
    return Problem(404, "账号不存在 (no such account)", f"No account {what}")


@router.get("", response_model=AccountOut, summary="Find an account by its login (admin)")
async def find_account(
    login: Annotated[str, Query(min_length=1, max_length=32)], _admin: AdminDep, registration: RegistrationDep
) -> AccountOut:
    t = accounts
    query = select(t.c.account_id, t.c.role, t.c.unit_id, t.c.disabled).where(t.c.login == login)
    row = await sync_reading(registration.backbone.engine, lambda c: c.execute(query).mappings().first())
    if row is None:
        raise _unknown("with that login")
    return AccountOut(**row)


@router.post("/{account_id}/disable", status_code=204, summary="Disable an account and revoke its tokens (admin)")
async def disable_account(account_id: AccountId, admin: AdminDep, registration: RegistrationDep) -> Response:
    if account_id == admin.subject:
        raise Problem(422, "不能停用自己的账号 (cannot disable yourself)", "An admin cannot disable their own account")
    try:
        await registration.access.disable(account_id, by=admin.subject)
    except UnknownAccount as exc:
        raise _unknown(account_id) from exc
    return Response(status_code=204)


@router.post("/{account_id}/enable", status_code=204, summary="Let a disabled account log in again (admin)")
async def enable_account(account_id: AccountId, admin: AdminDep, registration: RegistrationDep) -> Response:
    try:
        await registration.access.enable(account_id, by=admin.subject)
    except UnknownAccount as exc:
        raise _unknown(account_id) from exc
    return Response(status_code=204)


@router.post("/{account_id}/revocation", status_code=204, summary="Revoke every token the account holds (admin)")
async def revoke_tokens(account_id: AccountId, _admin: AdminDep, registration: RegistrationDep) -> Response:
    try:
        await registration.access.revoke(account_id)
    except UnknownAccount as exc:
        raise _unknown(account_id) from exc
    return Response(status_code=204)
