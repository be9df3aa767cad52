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

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, delete, func, or_, select

from shared.events import CATALOG, to_message
from shared.events.payloads.base import EventPayload
from shared.events.payloads.campaigns import PasswordChanged
from shared.events.payloads.restricted import PasswordResetRequested
from shared.events.topics import CONTACTS
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, Insert, sync_reading

from ..adapters.tables import accounts, password_resets
from ..domain.errors import RuleBroken
from .access import SOURCE
from .throttles import AccountThrottles

MIN_LENGTH = 10
MAX_FAILURES = 5


class Passwords:
    """Changes and resets of account passwords."""

    def __init__(
        self,
        backbone: Backbone,
        throttles: AccountThrottles,
        hasher: PasswordHasher,
        *,
        code_ttl: timedelta = timedelta(minutes=10),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._backbone = backbone
        self._throttles = throttles
        self._hasher = hasher
        self._code_ttl = code_ttl
        self.clock = clock

    async def change(self, account_id: str, old_password: str, new_password: str) -> None:
        """Change the caller's password; :class:`RuleBroken` naming ``old_password`` when it is wrong."""
        _require_new(new_password)
        row = await self._read(select(accounts.c.password_hash).where(accounts.c.account_id == account_id))
        if row is None or not await asyncio.to_thread(self._verify, row["password_hash"], old_password):
            raise RuleBroken("old_password", "原密码不正确 (the current password is wrong)")
        await self._store(account_id, new_password, "changed", revoke=False)

    async def request_reset(self, phone: str, client: str | None) -> bool:
        """Send a reset code to ``phone`` if an active account has it; whether one did (never told to
        the caller). :class:`~.throttles.TooManyAttempts` over the limits."""
        self._throttles.password_reset(phone, client)
        account = await self._account_of(phone)
        if account is None:
            return False
        code = f"{secrets.randbelow(1_000_000):06d}"
        code_hash = await asyncio.to_thread(self._hasher.hash, code)
        expires_at = self.clock() + self._code_ttl.total_seconds()
        account_id = account["account_id"]
        payload = PasswordResetRequested(
            account_id=account_id, phone=phone, code=code, expires_at=datetime.fromtimestamp(expires_at, UTC)
        )
        row = {"account_id": account_id, "code_hash": code_hash, "expires_at": expires_at, "failures": 0}
        # restricted: straight to the outbox, never into the event store (DESIGN §4)
        envelope = CATALOG.envelope(payload, subject=account_id, sequence=1, source=SOURCE)
        changes = Changes(
            messages=[to_message(envelope, CONTACTS.name)],
            statements=[delete(password_resets).where(password_resets.c.account_id == account_id)],
            inserts=[Insert(password_resets, row)],
        )
        await self._backbone.writer.submit(changes)
        return True

    async def reset(self, phone: str, code: str, new_password: str) -> None:
        """Set a new password with the code texted to ``phone``; :class:`RuleBroken` naming ``code`` when
        it is wrong, expired or used (a code serves once)."""
        _require_new(new_password)
        account = await self._account_of(phone)
        r = password_resets
        held = None
        if account is not None:
            held = await self._read(select(r).where(r.c.account_id == account["account_id"]))
        if account is None or held is None or held["expires_at"] <= self.clock():
            raise RuleBroken("code", "验证码无效或已过期，请重新获取 (the code is unknown, used or expired)")
        account_id = account["account_id"]
        if not await asyncio.to_thread(self._verify, held["code_hash"], code):
            failures = held["failures"] + 1
            where = r.c.account_id == account_id
            void = failures >= MAX_FAILURES
            statement = delete(r).where(where) if void else r.update().where(where).values(failures=failures)
            await self._backbone.writer.submit(Changes(statements=[statement]))
            raise RuleBroken("code", "验证码不正确 (the code is wrong)")
        await self._store(account_id, new_password, "reset", revoke=True)

    async def _store(
        self, account_id: str, new_password: str, how: Literal["changed", "reset"], *, revoke: bool
    ) -> None:
        password_hash = await asyncio.to_thread(self._hasher.hash, new_password)
        values: dict[str, Any] = {"password_hash": password_hash}
        if revoke:
            values["tokens_not_before"] = self.clock()
        await self._append(
            account_id,
            PasswordChanged(account_id=account_id, how=how),
            statements=[
                accounts.update().where(accounts.c.account_id == account_id).values(**values),
                delete(password_resets).where(password_resets.c.account_id == account_id),
            ],
        )

    async def _account_of(self, phone: str) -> Mapping[str, Any] | None:
        """The active account a phone resets: a staff account with that phone, else the organizer whose
        login it is (the most recently created, when several share it)."""
        a = accounts
        query = (
            select(a.c.account_id)
            .where(or_(a.c.phone == phone, and_(a.c.role == "organizer", a.c.login == phone)), a.c.disabled.is_(False))
            .order_by(a.c.created_at.desc())
            .limit(1)
        )
        return await self._read(query)

    async def _append(self, account_id: str, payload: EventPayload, **changes: Any) -> None:
        events = self._backbone.tables.events
        version_query = select(func.coalesce(func.max(events.c.version), 0)).where(events.c.aggregate_id == account_id)

        def version(connection: Connection) -> int:
            return int(connection.execute(version_query).scalar() or 0)

        current = await sync_reading(self._backbone.engine, version)
        envelope = CATALOG.envelope(
            payload, subject=account_id, sequence=current + 1, source=SOURCE, correlationid=correlation_id.get()
        )
        await self._backbone.writer.submit(
            Changes(appends=[AggregateAppend(account_id, current, [envelope])], **changes)
        )

    async def _read(self, query: Any) -> Mapping[str, Any] | None:
        row = await sync_reading(self._backbone.engine, lambda c: c.execute(query).mappings().first())
        return dict(row) if row is not None else None

    def _verify(self, stored: str, given: str) -> bool:
        try:
            return self._hasher.verify(stored, given)
        except (VerificationError, InvalidHashError):
            return False


def _require_new(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise RuleBroken("new_password", "新密码至少 10 位 (the new password needs at least 10 characters)")
