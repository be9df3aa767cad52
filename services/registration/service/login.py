"""Registration's login: a password checked against the account's argon2 hash, and a token for it.

The decision, in order: the attempt is counted against the login and address limits (over them,
:class:`~.throttles.TooManyAttempts`); the password is verified, for an unknown login against a
stand-in hash of the same parameters, so that the answer costs, and takes, what a known login's does;
a wrong password, or an unknown login, is :class:`InvalidCredentials`; a right password of a disabled
account is :class:`AccountDisabled` (only someone who knows the password hears it); otherwise a hash
made with other parameters than today's is replaced by a new one, and the account gets its token.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.auth import Principal, sign_token

from .access import KEY_ID
from .ports import AccountRecords, PasswordHashing
from .throttles import AccountThrottles

__all__ = ["AccountDisabled", "InvalidCredentials", "Login"]


class InvalidCredentials(Exception):
    """The login or the password is wrong (which one is not said)."""


class AccountDisabled(Exception):
    """The password is right but the account is disabled (only someone who knows it hears this)."""


class Login:
    """Logins of every role; tokens are signed with registration's Ed25519 key."""

    def __init__(
        self,
        records: AccountRecords,
        hashing: PasswordHashing,
        throttles: AccountThrottles,
        private_pem: bytes,
        ttl: timedelta,
    ) -> None:
        self._records = records
        self._hashing = hashing
        self._throttles = throttles
        self._private_pem = private_pem
        self._ttl = ttl
        self._stand_in: str | None = None

    async def token(self, login: str, password: str, client: str) -> str:
        """An access token for the account, or :class:`InvalidCredentials` / :class:`TooManyAttempts` /
        :class:`AccountDisabled`."""
        await self._throttles.login_attempt(login, client)
        row = await self._records.find(login)
        stored = row["password_hash"] if row is not None else await self._stand_in_hash()
        if not await self._hashing.verify(stored, password) or row is None:
            raise InvalidCredentials()
        await self._throttles.login_succeeded(login, client)
        if row["disabled"]:
            raise AccountDisabled()
        if self._hashing.needs_rehash(stored):
            await self._records.replace_hash(row["account_id"], stored, await self._hashing.hash(password))
        principal = Principal(row["account_id"], row["role"], row["unit_id"], row["level"], row["jurisdiction"])
        return sign_token(self._private_pem, principal, ttl=self._ttl, kid=KEY_ID)

    async def _stand_in_hash(self) -> str:
        """A hash of a random password with today's parameters, made once (for unknown logins)."""
        if self._stand_in is None:
            self._stand_in = await self._hashing.hash(uuid.uuid4().hex)
        return self._stand_in
