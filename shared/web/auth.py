"""Bearer-token authentication for the routes: who is calling, and whether their role may.

Each service's container exposes ``verifier`` (anything with ``verify(token) -> Principal``):
registration verifies with its own key, the other services with registration's JWKS document.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..auth import InvalidToken, Principal, Role
from ..runtime.app import container_of
from .problems import Problem

_bearer = HTTPBearer(auto_error=False, description="An access token from registration's POST /api/v1/auth/token")


class Verifier(Protocol):
    def verify(self, token: str) -> Principal | Awaitable[Principal]: ...


def unauthenticated(detail: str) -> Problem:
    return Problem(401, "需要登录 (authentication required)", detail, headers={"WWW-Authenticate": "Bearer"})


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified caller; 401 without a valid bearer token."""
    if credentials is None:
        raise unauthenticated("Send an access token as 'Authorization: Bearer <token>'")
    verifier: Verifier = container_of(request).verifier
    try:
        principal = verifier.verify(credentials.credentials)
        return await principal if inspect.isawaitable(principal) else principal
    except InvalidToken as exc:
        raise unauthenticated(f"The access token is not valid: {exc}") from exc


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: Role) -> object:
    """A dependency admitting only callers with one of ``roles`` (403 for the others)."""

    async def check(principal: PrincipalDep) -> Principal:
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
