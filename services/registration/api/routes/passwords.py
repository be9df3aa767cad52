"""``/api/v1/auth/password``: every account changes its own password (the old one required);
``/api/v1/auth/password-reset``: a forgotten password is reset by a code texted to the account's phone.

Asking for a code answers 202 the same whether or not an account has the phone (a stranger learns
nothing), limited per phone and per address (429). See :mod:`services.registration.service.passwords`.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.web.auth import PrincipalDep
from shared.web.idempotency import Idempotent

from ..deps import RegistrationDep
from .units import client_address

router = APIRouter(prefix="/auth", tags=["units and accounts"])

Password = Field(min_length=1, max_length=128)
Phone = Field(min_length=1, max_length=20, description="the account's mobile (an organizer's is its login)")


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Password
    new_password: str = Field(min_length=1, max_length=128, description="at least 10 characters")


class ResetCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Phone


class ResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Phone
    code: str = Field(min_length=1, max_length=12, description="the six digits texted to the phone")
    new_password: str = Field(min_length=1, max_length=128, description="at least 10 characters")


class ResetCodeAccepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str


CODE_ACCEPTED = ResetCodeAccepted(
    message="如该手机号绑定了账号，验证码已发送，10 分钟内有效 (if an account has this phone, a code was texted)"
).model_dump()


@router.post("/password", status_code=204, summary="Change the caller's own password (the old one required)")
async def change_password(body: PasswordChangeIn, principal: PrincipalDep, registration: RegistrationDep) -> Response:
    await registration.passwords.change(principal.subject, body.old_password, body.new_password)
    return Response(status_code=204)


@router.post(
    "/password-reset/code",
    status_code=202,
    response_model=ResetCodeAccepted,
    summary="Text a password-reset code to an account's phone (the same answer whether or not one has it)",
    responses={429: {"description": "too many codes asked for this phone or from this address"}},
    dependencies=[Idempotent],
)
async def request_reset_code(body: ResetCodeIn, request: Request, registration: RegistrationDep) -> JSONResponse:
    await registration.passwords.request_reset(body.phone, client_address(request))  # TooManyAttempts: 429
    return JSONResponse(CODE_ACCEPTED, status_code=202)


@router.post(
    "/password-reset",
    status_code=204,
    summary="Set a new password with the code texted to the account's phone (single use, expires)",
)
async def reset_password(body: ResetIn, registration: RegistrationDep) -> Response:
    await registration.passwords.reset(body.phone, body.code, body.new_password)
    return Response(status_code=204)
