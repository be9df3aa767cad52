"""Limits on anonymous account work: sign-ups, failed logins and password-reset codes, per client address and per login.

Each limit is "``allowed`` per ``window`` seconds" as a token bucket (:class:`~.ports.Limit`):
``allowed`` at once, then one more every ``window / allowed`` seconds. Per address, so one client
cannot sign up or guess passwords in bulk; per login, so many addresses cannot guess one account's
password or sign one phone up again and again. Every login attempt takes a token from both buckets
before the password is checked (concurrent guesses cannot slip past the count) and a successful
one gives them back, so only failures count.

The buckets are kept behind the :class:`~.ports.AttemptBuckets` port, in registration's database
(``adapters/attempt_buckets.py``): every API worker and replica counts against the same buckets, so
running N of them does not allow N times a limit's attempts.
"""

from __future__ import annotations

from .ports import Attempt, AttemptBuckets, Limit


class TooManyAttempts(Exception):
    """Over a limit; ``retry_after`` whole seconds until the next attempt is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class AccountThrottles:
    """The sign-up, failed-login and reset-code limits of the registration service."""

    def __init__(
        self,
        buckets: AttemptBuckets,
        *,
        sign_ups_per_address: int,
        sign_ups_per_phone: int,
        sign_up_window_seconds: float,
        login_failures_per_login: int,
        login_failures_per_address: int,
        login_window_seconds: float,
        resets_per_account: int = 3,
        resets_per_address: int = 10,
        reset_window_seconds: float = 3600,
    ) -> None:
        self._buckets = buckets
        self._sign_ups_by_address = Limit("sign-ups/address", sign_ups_per_address, sign_up_window_seconds)
        self._sign_ups_by_phone = Limit("sign-ups/phone", sign_ups_per_phone, sign_up_window_seconds)
        self._failures_by_login = Limit("login-failures/login", login_failures_per_login, login_window_seconds)
        self._failures_by_address = Limit("login-failures/address", login_failures_per_address, login_window_seconds)
        self._resets_by_account = Limit("resets/phone", resets_per_account, reset_window_seconds)
        self._resets_by_address = Limit("resets/address", resets_per_address, reset_window_seconds)

    async def sign_up(self, phone: str, client: str | None) -> None:
        """Count a sign-up attempt (``client`` None: an operator's, not limited by address)."""
        attempts = [(self._sign_ups_by_phone, phone)]
        if client is not None:
            attempts.append((self._sign_ups_by_address, client))
        await self._take(attempts)

    async def login_attempt(self, login: str, client: str) -> None:
        """Count a login attempt as failed until :meth:`login_succeeded` says otherwise."""
        await self._take([(self._failures_by_address, client), (self._failures_by_login, login)])

    async def password_reset(self, phone: str, client: str | None) -> None:
        """Count a request for a reset code (texted to ``phone``), per phone and per address: each
        request costs an SMS, and a code guessed must not be asked for again and again."""
        attempts = [(self._resets_by_account, phone)]
        if client is not None:
            attempts.append((self._resets_by_address, client))
        await self._take(attempts)

    async def login_succeeded(self, login: str, client: str) -> None:
        await self._buckets.give_back([(self._failures_by_address, client), (self._failures_by_login, login)])

    async def _take(self, attempts: list[Attempt]) -> None:
        """Take a token from every bucket, or from none when one of them must wait."""
        wait = await self._buckets.take(attempts)
        if wait is not None:
            raise TooManyAttempts(wait)
