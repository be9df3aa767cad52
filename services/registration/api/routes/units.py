"""``/api/v1/units`` and ``/api/v1/auth``: a unit signs up, an account logs in, the key is published."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.store import IntegrityViolation
from shared.web import Problem

from ...accounts import InvalidCredentials, TooManyAttempts
from ...domain.rules import RuleBroken
from ...domain.unit import SignUpUnit, UnitType
from ..deps import RegistrationDep
from .activities import rule_problem

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


class UnitSignedUp(BaseModel):
    unit_id: str
    account_id: str


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    login: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=1, max_length=128)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


@router.post("/units", status_code=201, response_model=UnitSignedUp, summary="A unit signs up")
async def sign_up_unit(body: UnitSignUpIn, registration: RegistrationDep) -> JSONResponse:
    command = SignUpUnit(
        body.name, body.unit_type, body.region_code, body.contact_name, body.contact_phone, body.password
    )
    try:
        unit_id, account_id = await registration.accounts.sign_up(command)
    except RuleBroken as exc:
        raise rule_problem(exc) from exc
    except IntegrityViolation as exc:
        raise Problem(
            409, "账号已存在 (already registered)", "An account with this contact phone exists; log in instead"
        ) from exc
    return JSONResponse({"unit_id": unit_id, "account_id": account_id}, status_code=201)


@router.post("/auth/token", response_model=TokenOut, summary="Log in and receive an access token")
async def log_in(body: LoginIn, request: Request, registration: RegistrationDep) -> TokenOut:
    client = request.client.host if request.client else "unknown"
    try:
        token = await registration.accounts.login(body.login, body.password, client)
    except TooManyAttempts as exc:
        raise Problem(
            429,
            "尝试次数过多 (too many attempts)",
            f"Too many failed logins; try again in {exc.retry_after} s",
            retry_after=exc.retry_after,
        ) from exc
    except InvalidCredentials as exc:
        raise Problem(401, "账号或密码错误 (invalid credentials)", "The login or the password is wrong") from exc
    return TokenOut(access_token=token, expires_in=int(registration.accounts.ttl.total_seconds()))


@router.get("/auth/jwks.json", summary="The public key that verifies access tokens (JWKS)")
async def jwks(registration: RegistrationDep) -> dict[str, Any]:
    return registration.accounts.jwks()
