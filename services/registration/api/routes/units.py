"""``/api/v1/units`` and ``/api/v1/auth``: a unit signs up, an account logs in or out, the key set is published.

Sign-up answers the same whether or not the phone already has an account (202, no ids): the answer
must not tell a stranger who is registered. The organizer logs in with the phone and password; the
token names the unit.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.store import IntegrityViolation
from shared.web.auth import PrincipalDep
from shared.web.idempotency import Idempotent

from ...domain.unit import SignUpUnit, UnitType
from ..deps import RegistrationDep

router = APIRouter(tags=["units and accounts"])

Text = Annotated[str, Field(min_length=2, max_length=100)]


class UnitSignUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(description="单位名称")
    unit_type: UnitType
    region_code: str = Field(pattern=r"^\d{2}(\d{2}(\d{2})?)?$")
    contact_name: str = Field(min_length=2, max_length=50, description="联系人")
    contact_phone: str = Field(max_length=20, description="联系电话, also the login")
    password: str = Field(min_length=10, max_length=128)


class SignUpAccepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str = Field(description="what to do next")


SIGN_UP_ACCEPTED = SignUpAccepted(
    message="申请已提交：请用联系电话和密码登录 (submitted: log in with the contact phone and the password)"
).model_dump()


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    login: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=1, max_length=128)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


def client_address(request: Request) -> str:
    # The server takes the address from X-Forwarded-For only when the peer is a trusted proxy
    # (KEPURI_TRUSTED_PROXIES, uvicorn's forwarded_allow_ips); otherwise it is the peer's own.
    return request.client.host if request.client else "unknown"


@router.post(
    "/units",
    status_code=202,
    response_model=SignUpAccepted,
    summary="A unit signs up (the same answer whether or not the phone has an account)",
    responses={429: {"description": "too many sign-ups from this address or for this phone"}},
    dependencies=[Idempotent],
)
async def sign_up_unit(body: UnitSignUpIn, request: Request, registration: RegistrationDep) -> JSONResponse:
    command = SignUpUnit(
        body.name, body.unit_type, body.region_code, body.contact_name, body.contact_phone, body.password
    )
    try:  # TooManyAttempts: 429
        await registration.accounts.sign_up(command, client_address(request))
    except IntegrityViolation:
        pass  # the phone has an account: answered as a new sign-up, nothing written
    return JSONResponse(SIGN_UP_ACCEPTED, status_code=202)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    summary="Log in and receive an access token",
    responses={429: {"description": "too many failed logins from this address or for this login"}},
)
async def log_in(body: LoginIn, request: Request, registration: RegistrationDep) -> TokenOut:
    # TooManyAttempts: 429, InvalidCredentials: 401, AccountDisabled: 403
    token = await registration.accounts.login(body.login, body.password, client_address(request))
    return TokenOut(access_token=token, expires_in=int(registration.accounts.ttl.total_seconds()))


@router.post("/auth/logout", status_code=204, summary="Sign out: every token of the caller's account is refused")
async def log_out(principal: PrincipalDep, registration: RegistrationDep) -> Response:
    await registration.access.revoke(principal.subject)
    return Response(status_code=204)


@router.get("/auth/jwks.json", summary="The public key that verifies access tokens (JWKS) and the revocations in force")
async def jwks(registration: RegistrationDep, response: Response) -> dict[str, Any]:
    """Shared by every caller for up to ``KEPURI_REGISTRATION_JWKS_CACHE_SECONDS``; ``Age`` says how old it is
    (whole seconds, rounded up), and the other services' verifiers count their copy as that old."""
    document, age = await registration.access.published()
    response.headers["Age"] = str(math.ceil(age))
    return document
