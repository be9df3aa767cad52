"""Who may export what: the summaries are public like the statistics; the activity tables carry
(masked) contacts, so they need a reviewer's or an admin's token, and a reviewer below national level
exports only inside its jurisdiction (its own region when the request names none).

Tokens are verified with the container's ``verifier``: registration's published key set
(``KEPURI_ANALYTICS_JWKS_URL``) unless ``create_app`` was given another.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import Principal
from shared.web import Problem
from shared.web.auth import unauthenticated, verified

from .model import ExportTable

STAFF = ("reviewer", "admin")
_bearer = HTTPBearer(auto_error=False, description="An access token from registration's POST /api/v1/auth/token")


async def optional_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    """The caller when a token is sent (401 if it is not valid, 503 if it cannot be checked), None without one."""
    if credentials is None:
        return None
    return await verified(request, credentials.credentials)


CallerDep = Annotated[Principal | None, Depends(optional_principal)]


def allowed_region(table: ExportTable, caller: Principal | None, region: str | None) -> str | None:
    """The region the caller may export for ``region`` (401, 403 when it may not)."""
    if not table.contacts:
        return region
    if caller is None:
        raise unauthenticated(f"The table {table.name} carries contacts: send a reviewer's or an admin's token")
    if caller.role not in STAFF:
        raise Problem(
            403,
            "无权操作 (forbidden)",
            f"The table {table.name} needs the role reviewer or admin; the token's role is {caller.role}",
        )
    jurisdiction = caller.jurisdiction
    if caller.role == "admin" or not jurisdiction or not jurisdiction.isdigit():
        return region  # an admin, or a national body (the whole country or a society's field)
    if region is None:
        return jurisdiction
    if region.startswith(jurisdiction):
        return region
    raise Problem(
        403,
        "无权操作 (forbidden)",
        f"A reviewer of {jurisdiction} exports only inside its jurisdiction, not {region}",
    )
