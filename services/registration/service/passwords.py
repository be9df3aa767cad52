"""Registration's service layer for passwords: an account changes its own, or resets a forgotten one
by a code texted to its phone.

A reset code is six digits, single use, valid for ``code_ttl`` (10 minutes) and stored only as an
argon2 hash; five wrong tries void it. Asking for one is limited per phone and per client address
(:class:`~.throttles.AccountThrottles`) and always answered the same, whether or not an account has
that phone. The code travels to the notification service on the restricted contacts topic
(``password-reset-requested``), which texts it through its SMS channel. A reset revokes the account's
earlier tokens; both a change and a reset are ``password-changed`` audit events (without secrets).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.events import CATALOG, to_message
from shared.events.payloads.campaigns import PasswordChanged
from shared.events.payloads.restricted import PasswordResetRequested
from shared.events.topics import CONTACTS
from shared.runtime import Backbone

from ..adapters import password_store
from ..domain.errors import RuleBroken
from .access import SOURCE
from .ports import PasswordHashing
from .throttles import AccountThrottles

MIN_LENGTH = 10


class Passwords:
    """Changes and resets of account passwords."""

    def __init__(
        self,
        backbone: Backbone,
        throttles: AccountThrottles,
        hashing: PasswordHashing,
        *,
        code_ttl: timedelta = timedelta(minutes=10),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._backbone = backbone
        self._throttles = throttles
        self._hashing = hashing
        self._code_ttl = code_ttl
        self.clock = clock

    async def change(self, account_id: str, old_password: str, new_password: str) -> None:
        """Change the caller's password; :class:`RuleBroken` naming ``old_password`` when it is wrong."""
        _require_new(new_password)
        stored = await password_store.password_hash_of(self._backbone, account_id)
        if stored is None or not await self._hashing.verify(stored, old_password):
            raise RuleBroken("old_password", "原密码不正确 (the current password is wrong)")
        await self._store(account_id, new_password, "changed", revoke=False)

    async def request_reset(self, phone: str, client: str | None) -> bool:
        """Send a reset code to ``phone`` if an active account has it; whether one did (never told to
        the caller). :class:`~.throttles.TooManyAttempts` over the limits."""
        await self._throttles.password_reset(phone, client)
        account_id = await password_store.account_resetting(self._backbone, phone)
        if account_id is None:
            return False
        code = f"{secrets.randbelow(1_000_000):06d}"
        code_hash = await self._hashing.hash(code)
        expires_at = self.clock() + self._code_ttl.total_seconds()
        payload = PasswordResetRequested(
            account_id=account_id, phone=phone, code=code, expires_at=datetime.fromtimestamp(expires_at, UTC)
        )
        row = {"account_id": account_id, "code_hash": code_hash, "expires_at": expires_at, "failures": 0}
        # restricted: straight to the outbox, never into the event store (DESIGN §4)
        envelope = CATALOG.envelope(payload, subject=account_id, sequence=1, source=SOURCE)
        await password_store.issue_reset(self._backbone, account_id, row, to_message(envelope, CONTACTS.name))
        return True

    async def reset(self, phone: str, code: str, new_password: str) -> None:
        """Set a new password with the code texted to ``phone``; :class:`RuleBroken` naming ``code`` when
        it is wrong, expired or used (a code serves once)."""
        _require_new(new_password)
        account_id = await password_store.account_resetting(self._backbone, phone)
        held = None
        if account_id is not None:
            held = await password_store.reset_held(self._backbone, account_id)
        if account_id is None or held is None or held["expires_at"] <= self.clock():
            raise RuleBroken("code", "验证码无效或已过期，请重新获取 (the code is unknown, used or expired)")
        if not await self._hashing.verify(held["code_hash"], code):
            await password_store.count_failure(self._backbone, account_id, held["failures"] + 1)
            raise RuleBroken("code", "验证码不正确 (the code is wrong)")
        await self._store(account_id, new_password, "reset", revoke=True)

    async def _store(
        self, account_id: str, new_password: str, how: Literal["changed", "reset"], *, revoke: bool
    ) -> None:
        password_hash = await self._hashing.hash(new_password)
        values: dict[str, Any] = {"password_hash": password_hash}
        if revoke:
            values["tokens_not_before"] = self.clock()
        await password_store.store_password(
            self._backbone, account_id, values, PasswordChanged(account_id=account_id, how=how)
        )


def _require_new(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise RuleBroken("new_password", "新密码至少 10 位 (the new password needs at least 10 characters)")
