"""Limits on anonymous account work: sign-ups, failed logins and password-reset codes, per client address and per login.

Each limit is "``allowed`` per ``window`` seconds" as a token bucket (``directory/throttle.py``):
``allowed`` at once, then one more every ``window / allowed`` seconds. Per address, so one client
cannot sign up or guess passwords in bulk; per login, so many addresses cannot guess one account's
password or sign one phone up again and again. Every login attempt takes a token from both buckets
before the password is checked (concurrent guesses cannot slip past the count) and a successful
one gives them back, so only failures count. Each bucket tracks at most ``max_tracked`` keys: an
attacker rotating logins or addresses cannot grow memory without bound. In memory, per process.
"""

from __future__ import annotations

from ..directory.throttle import TokenBucket


class TooManyAttempts(Exception):
    """Over a limit; ``retry_after`` whole seconds until the next attempt is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _bucket(allowed: int, window_seconds: float, max_tracked: int) -> TokenBucket:
    return TokenBucket(allowed, allowed * 60.0 / window_seconds, max_clients=max_tracked)


def _take(*pairs: tuple[TokenBucket, str]) -> None:
    """Take a token from every (bucket, key), or from none when one of them must wait."""
    waits = [wait for bucket, key in pairs if (wait := bucket.wait(key)) is not None]
    if waits:
        raise TooManyAttempts(max(waits))
    for bucket, key in pairs:
        bucket.take(key)


class AccountThrottles:
    """The sign-up and failed-login limits of one registration process."""

    def __init__(
        self,
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
        max_tracked: int = 100_000,
    ) -> None:
        self._sign_ups_by_address = _bucket(sign_ups_per_address, sign_up_window_seconds, max_tracked)
        self._sign_ups_by_phone = _bucket(sign_ups_per_phone, sign_up_window_seconds, max_tracked)
        self._failures_by_login = _bucket(login_failures_per_login, login_window_seconds, max_tracked)
        self._failures_by_address = _bucket(login_failures_per_address, login_window_seconds, max_tracked)
        self._resets_by_account = _bucket(resets_per_account, reset_window_seconds, max_tracked)
        self._resets_by_address = _bucket(resets_per_address, reset_window_seconds, max_tracked)

    def sign_up(self, phone: str, client: str | None) -> None:
        """Count a sign-up attempt (``client`` None: an operator's, not limited by address)."""
        pairs = [(self._sign_ups_by_phone, phone)]
        if client is not None:
            pairs.append((self._sign_ups_by_address, client))
        _take(*pairs)

    def login_attempt(self, login: str, client: str) -> None:
        """Count a login attempt as failed until :meth:`login_succeeded` says otherwise."""
        _take((self._failures_by_address, client), (self._failures_by_login, login))

    def password_reset(self, phone: str, client: str | None) -> None:
        """Count a request for a reset code (texted to ``phone``), per phone and per address: each
        request costs an SMS, and a code guessed must not be asked for again and again."""
        pairs = [(self._resets_by_account, phone)]
        if client is not None:
            pairs.append((self._resets_by_address, client))
        _take(*pairs)

    def login_succeeded(self, login: str, client: str) -> None:
        self._failures_by_address.give_back(client)
        self._failures_by_login.give_back(login)

    def tracked(self) -> int:
        """How many keys the limits remember, all buckets together."""
        return sum(
            len(bucket)
            for bucket in (
                self._sign_ups_by_address,
                self._sign_ups_by_phone,
                self._failures_by_login,
                self._failures_by_address,
                self._resets_by_account,
                self._resets_by_address,
            )
        )
