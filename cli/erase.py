"""``kepuri erase``: an operator erases a person's personal data (PIPL art. 47) on the server.

The same erasure as ``POST /api/v1/erasures`` (services/registration/service/erasure.py): the person's key is
destroyed, registration's clear copies deleted, ``personal-data-erased`` published for the others.
The phone never appears on the command line (it would sit in the shell's history and the process
list): it is asked for without echo, or read from standard input when that is not a terminal.
Exit status: 0 erased or nothing left to erase, 2 input refused.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from services.registration.domain.erasure import normalised_phone
from services.registration.domain.errors import RuleBroken
from services.registration.settings import RegistrationSettings

from .registration import registration_settings, started, wait_for_bus


def add_parser(commands: object) -> None:
    """Add ``erase`` to the ``kepuri`` subcommands."""
    erase = commands.add_parser(  # type: ignore[attr-defined]
        "erase", help="erase a person's personal data by phone (asked for, or read from standard input)"
    )
    erase.add_argument("--data-dir", type=Path, help="the data directory, as for `up`")


def run_erase(data_dir: Path | None, stdin: TextIO = sys.stdin, ask: Callable[[str], str] = getpass.getpass) -> int:
    """Erase the person whose phone is given; the exit status (0 done, 2 refused)."""
    try:
        phone = stdin.readline().strip() if not stdin.isatty() else ask("Phone number of the person to erase: ")
        phone = normalised_phone(phone)
        settings = registration_settings(data_dir)
    except RuleBroken as exc:
        return _refused(f"{exc} ({exc.field})")
    except (ValidationError, EOFError, KeyboardInterrupt) as exc:
        return _refused(str(exc) or "no phone given")
    return asyncio.run(_erase(settings, phone, f"operator:{getpass.getuser()}"))


async def _erase(settings: RegistrationSettings, phone: str, requested_by: str) -> int:
    async with started(settings) as registration:
        try:
            erasure = await registration.erasures.erase(phone, requested_by)
            await wait_for_bus(registration)
        finally:
            await registration.vault.stop()
    if not erasure.erased:
        print("kepuri erase: nothing of this person is left to erase")
        return 0
    print(
        f"kepuri erase: erasure {erasure.erasure_id}: {erasure.science_worker_entries} science-worker entries, "
        f"{erasure.contact_entries} contact entries, {erasure.unit_contacts} unit contact(s), "
        f"{erasure.accounts_closed} account(s) closed, {erasure.keys_destroyed} key(s) destroyed"
    )
    return 0


def _refused(message: str) -> int:
    print(f"kepuri erase: refused: {message}", file=sys.stderr)
    return 2
