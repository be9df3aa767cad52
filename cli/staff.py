"""``kepuri staff create``: an operator creates an admin (national, or a level admin of a province or city
with ``--level`` and ``--jurisdiction``) or a reviewer account on the server (``--phone``: the mobile
that receives password-reset codes);
``kepuri staff disable|enable|revoke --login L``: an operator disables, enables or signs out any account.

The password never appears on the command line (it would sit in the shell's history and in the
process list): it comes from ``KEPURI_STAFF_PASSWORD`` or is asked for twice without echo.
Exit status: 0 created (or changed), 1 the login exists (or, for the others, does not), 2 input refused.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import ValidationError

from services.registration.domain.errors import RuleBroken
from services.registration.domain.unit import Level, place_staff
from services.registration.service.access import OPERATOR, UnknownAccount
from services.registration.settings import RegistrationSettings
from shared.auth import Role
from shared.regions import PackagedRegions
from shared.store import IntegrityViolation

from .registration import registration_settings, started

PASSWORD_VARIABLE = "KEPURI_STAFF_PASSWORD"


class Refused(Exception):
    """The operator's input cannot make an account; the message says what to change."""


def run_staff_create(
    data_dir: Path | None,
    role: Role,
    login: str,
    level: Level | None,
    jurisdiction: str | None,
    environ: Mapping[str, str] = os.environ,
    ask: Callable[[str], str] = getpass.getpass,
    *,
    phone: str | None = None,
) -> int:
    """Create the account; the exit status (0, 1 for an existing login, 2 for refused input)."""
    try:
        level, jurisdiction = check_staff(role, login, level, jurisdiction)
        password = read_password(environ, ask)
        settings = registration_settings(data_dir)
    except RuleBroken as exc:
        return _refused(f"{exc} ({exc.field})")
    except (Refused, ValidationError) as exc:
        return _refused(str(exc))
    return asyncio.run(_create(settings, role, login, password, level, jurisdiction, phone))


def check_staff(
    role: Role, login: str, level: Level | None, jurisdiction: str | None
) -> tuple[Level | None, str | None]:
    """Refuse a malformed login, or a level and jurisdiction that do not fit the role, before asking a password
    (the rules of ``POST /api/v1/accounts``: :func:`~services.registration.domain.unit.place_staff`)."""
    return place_staff(role, login, level, jurisdiction, PackagedRegions())


def read_password(environ: Mapping[str, str], ask: Callable[[str], str]) -> str:
    """The password from ``KEPURI_STAFF_PASSWORD``, else asked twice (both answers must agree)."""
    if password := environ.get(PASSWORD_VARIABLE):
        return password
    try:
        first = ask("Password for the new account (at least 10 characters): ")
        second = ask("The same password again: ")
    except (EOFError, KeyboardInterrupt):
        raise Refused(f"no password given: type it when asked, or set {PASSWORD_VARIABLE}") from None
    if first != second:
        raise Refused("the two passwords differ; nothing was created")
    if not first:
        raise Refused("the password is empty")
    return first


async def _create(
    settings: RegistrationSettings,
    role: Role,
    login: str,
    password: str,
    level: Level | None,
    jurisdiction: str | None,
    phone: str | None = None,
) -> int:
    async with started(settings) as registration:
        try:
            account_id = await registration.accounts.create_staff(
                login, password, role, level, jurisdiction, phone=phone
            )
        except RuleBroken as exc:
            return _refused(f"{exc} ({exc.field})")
        except IntegrityViolation:
            print(f"kepuri staff create: the login {login!r} exists; choose another", file=sys.stderr)
            return 1
    body = "the whole country" if jurisdiction is None else jurisdiction
    print(f"kepuri staff create: {role} {login!r} created ({level}, {body}); account {account_id}")
    return 0


def _refused(message: str) -> int:
    print(f"kepuri staff create: refused: {message}", file=sys.stderr)
    return 2


def run_staff_access(data_dir: Path | None, action: str, login: str) -> int:
    """Disable, enable or revoke the tokens of the account with ``login``; the exit status (1: no such login)."""
    try:
        settings = registration_settings(data_dir)
    except ValidationError as exc:
        print(f"kepuri staff {action}: refused: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_change_access(settings, action, login))


async def _change_access(settings: RegistrationSettings, action: str, login: str) -> int:
    async with started(settings) as registration:
        access = registration.access
        try:
            account_id = await access.account_id_of(login)
        except UnknownAccount:
            print(f"kepuri staff {action}: no account has the login {login!r}", file=sys.stderr)
            return 1
        if action == "revoke":
            await access.revoke(account_id)
            outcome = "its tokens are revoked"
        elif action == "disable":
            changed = await access.disable(account_id, by=OPERATOR)
            outcome = "disabled; its tokens are revoked" if changed else "was disabled already"
        else:
            changed = await access.enable(account_id, by=OPERATOR)
            outcome = "enabled" if changed else "was not disabled"
    print(f"kepuri staff {action}: account {login!r} ({account_id}) {outcome}")
    return 0
