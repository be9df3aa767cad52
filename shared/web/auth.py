"""Bearer-token authentication for the routes: who is calling, and whether their role may.

Each service's container exposes ``verifier`` (anything with ``verify(token) -> Principal``): a
:class:`~shared.auth.KeySetVerifier` on registration's key set, read from its own database in
registration and from its published JWKS document elsewhere. A token that is not valid (or revoked)
is a 401; a key set that cannot be had is a 503 with Retry-After, since the token may well be valid.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..auth import InvalidToken, KeySetUnavailable, Principal, Role
from .problems import Problem

_bearer = HTTPBearer(auto_error=False, description="An access token from registration's POST /api/v1/auth/token")


class Verifier(Protocol):
    def verify(self, token: str) -> Principal | Awaitable[Principal]: ...


def unauthenticated(detail: str) -> Problem:
    return Problem(401, "需要登录 (authentication required)", detail, headers={"WWW-Authenticate": "Bearer"})


async def verified(request: Request, token: str) -> Principal:
    """The principal of ``token`` by the service's verifier; 401 if it is not valid, 503 if it cannot be checked."""
    verifier: Verifier = request.app.state.container.verifier  # put there by the service app
    try:
        principal = verifier.verify(token)
        return await principal if inspect.isawaitable(principal) else principal
    except InvalidToken as exc:
        raise unauthenticated(f"The access token is not valid: {exc}") from exc
    except KeySetUnavailable as exc:
        raise Problem(
            503,
            "暂时无法验证登录 (cannot verify the token now)",
            f"The key set that verifies access tokens is unavailable; retry in {exc.retry_after} s ({exc})",
            headers={"Retry-After": str(exc.retry_after)},
            retry_after=exc.retry_after,
        ) from exc


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified caller; 401 without a valid bearer token, 503 when tokens cannot be checked now."""
    if credentials is None:
        raise unauthenticated("Send an access token as 'Authorization: Bearer <token>'")
    return await verified(request, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
"""The bearer token as sent (None without one), for a route that checks it again later (a stream)."""


async def refusal(request: Request, token: str, roles: tuple[Role, ...]) -> str | None:
    """Why ``token`` is refused now for one of ``roles`` (no longer valid: revoked, its account disabled,
    expired; or of another role), or None while it is accepted. A key set that cannot be had now is no
    refusal (None): the token may well be valid. For answers that outlive the request that checked the
    token, such as a stream, which end once this says why."""
    try:
        principal = await verified(request, token)
    except Problem as problem:
        return None if problem.status == 503 else str(problem.detail)
    if principal.role not in roles or (principal.role == "admin" and not principal.national_admin):
        return f"the token's role is {principal.role}; this needs {' or '.join(roles)}"
    return None


def require_role(*roles: Role, level_admins: bool = False) -> object:
    """A dependency admitting only callers with one of ``roles`` (403 for the others). ``admin`` means a
    national admin unless ``level_admins``: an admin with a jurisdiction only manages accounts."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role == "admin" and not principal.national_admin and not level_admins:
            raise Problem(
                403,
                "无权操作：地方管理员只能管理下级审核账号 (forbidden: a level admin only manages accounts)",
                f"This needs the role {' or '.join(roles)} (national); the token is a level admin's",
            )
        if principal.role not in roles:
            raise Problem(
                403,
                "无权操作 (forbidden)",
                f"This needs the role {' or '.join(roles)}; the token's role is {principal.role}",
            )
        return principal

    return Depends(check)


OrganizerDep = Annotated[Principal, require_role("organizer")]
AdminDep = Annotated[Principal, require_role("admin")]
AnyAdminDep = Annotated[Principal, require_role("admin", level_admins=True)]
"""A national admin or a level admin (province, city: an admin with a jurisdiction)."""
