"""Registration's service layer for units and accounts: sign-up (limited), staff accounts and login."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.auth import Role
from shared.events import CATALOG
from shared.events.payloads.campaigns import AccountCreated
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, Insert

from ..adapters.tables import accounts, unit_contacts
from ..domain.errors import RuleBroken
from ..domain.rules import Regions
from ..domain.unit import MOBILE, Level, SignUpUnit, place_staff, sign_up
from .access import OPERATOR, SOURCE
from .login import AccountDisabled, InvalidCredentials, Login
from .ports import AccountRecords, PasswordHashing
from .throttles import AccountThrottles, TooManyAttempts

__all__ = ["AccountDisabled", "Accounts", "InvalidCredentials", "TooManyAttempts"]


class Accounts:
    """Units sign up and accounts log in; tokens are signed with registration's Ed25519 key."""

    def __init__(
        self,
        backbone: Backbone,
        regions: Regions,
        private_pem: bytes,
        ttl: timedelta,
        throttles: AccountThrottles,
        hashing: PasswordHashing,
        records: AccountRecords,
    ) -> None:
        self._backbone = backbone
        self._regions = regions
        self._ttl = ttl
        self._throttles = throttles
        self._hashing = hashing
        self._records = records
        self._login = Login(records, hashing, throttles, private_pem, ttl)

    async def sign_up(self, command: SignUpUnit, client: str | None = None) -> tuple[str, str]:
        """Register a unit and its organizer account; returns (unit id, account id).

        Counted against the sign-up limits of the phone and of ``client``'s address (None: an
        operator's or a test's, limited by phone only): :class:`TooManyAttempts` over them. The login
        (the contact phone) is unique: a second sign-up with it costs the same password hash, then
        fails with :class:`~shared.store.IntegrityViolation` and writes nothing.
        """
        unit_id, account_id = uuid.uuid4().hex, uuid.uuid4().hex
        payload = sign_up(unit_id, command, self._regions)
        await self._throttles.sign_up(command.contact_phone, client)
        password_hash = await self._hashing.hash(command.password)
        envelope = CATALOG.envelope(
            payload, subject=unit_id, sequence=1, source=SOURCE, correlationid=correlation_id.get()
        )
        now = datetime.now(UTC)
        changes = Changes(
            appends=[AggregateAppend(unit_id, 0, [envelope])],
            inserts=[
                Insert(
                    accounts,
                    {
                        "account_id": account_id,
                        "login": command.contact_phone,
                        "password_hash": password_hash,
                        "role": "organizer",
                        "unit_id": unit_id,
                        "created_at": now,
                    },
                ),
                Insert(
                    unit_contacts,
                    {
                        "unit_id": unit_id,
                        "contact_name": command.contact_name,
                        "contact_phone": command.contact_phone,
                    },
                ),
            ],
        )
        await self._backbone.writer.submit(changes)
        return unit_id, account_id

    async def create_staff(
        self,
        login: str,
        password: str,
        role: Role,
        level: Level | None = None,
        jurisdiction: str | None = None,
        *,
        phone: str | None = None,
        by: str = OPERATOR,
    ) -> str:
        """Create an admin or reviewer account (by the operator, or by the admin ``by``); the account id.

        The national admin has no level and no jurisdiction; a level admin (province, city) has both.
        A reviewer belongs to a reviewing body with a ``level`` and a ``jurisdiction``: a region-code
        prefix, or for a national body of its own kind ``society:``, ``ministry:`` or ``unit:<name>``.
        ``phone`` (a mainland mobile) receives password-reset codes. An ``account-created`` event records
        it. A login that exists fails with :class:`~shared.store.IntegrityViolation`.
        """
        level, jurisdiction = place_staff(role, login, level, jurisdiction, self._regions)
        if len(password) < 10:
            raise RuleBroken("password", "密码至少 10 位 (the password needs at least 10 characters)")
        if phone is not None and not MOBILE.match(phone):
            raise RuleBroken("phone", "手机号须为 11 位大陆手机号 (phone: a mainland mobile number)")
        account_id = uuid.uuid4().hex
        password_hash = await self._hashing.hash(password)
        row = {
            "account_id": account_id,
            "login": login,
            "password_hash": password_hash,
            "role": role,
            "unit_id": None,
            "level": level,
            "jurisdiction": jurisdiction,
            "phone": phone,
            "created_at": datetime.now(UTC),
        }
        payload = AccountCreated(account_id=account_id, role=role, level=level, jurisdiction=jurisdiction, by=by)
        envelope = CATALOG.envelope(
            payload, subject=account_id, sequence=1, source=SOURCE, correlationid=correlation_id.get()
        )
        changes = Changes(appends=[AggregateAppend(account_id, 0, [envelope])], inserts=[Insert(accounts, row)])
        await self._backbone.writer.submit(changes)
        return account_id

    async def login(self, login: str, password: str, client: str) -> str:
        """An access token for the account, or :class:`InvalidCredentials` / :class:`TooManyAttempts` /
        :class:`AccountDisabled` (the decision is :class:`~.login.Login`'s)."""
        return await self._login.token(login, password, client)

    async def find(self, login: str) -> Mapping[str, Any] | None:
        """The account of ``login`` (its row), or None."""
        return await self._records.find(login)

    @property
    def ttl(self) -> timedelta:
        return self._ttl
