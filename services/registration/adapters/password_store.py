"""The SQL of passwords: the hash to check, the account a phone resets, the reset codes held."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, delete, or_, select

from shared.bus import Message
from shared.events.payloads.base import EventPayload
from shared.runtime import Backbone
from shared.store import Changes, Insert, sync_reading

from .access_store import account_version, append_to_account
from .tables import accounts, password_resets

MAX_FAILURES = 5  # wrong codes before a reset code is void


async def password_hash_of(backbone: Backbone, account_id: str) -> str | None:
    row = await _read(backbone, select(accounts.c.password_hash).where(accounts.c.account_id == account_id))
    return None if row is None else str(row["password_hash"])


async def account_resetting(backbone: Backbone, phone: str) -> str | None:
    """The active account a phone resets: a staff account with that phone, else the organizer whose
    login it is (the most recently created, when several share it)."""
    a = accounts
    query = (
        select(a.c.account_id)
        .where(or_(a.c.phone == phone, and_(a.c.role == "organizer", a.c.login == phone)), a.c.disabled.is_(False))
        .order_by(a.c.created_at.desc())
        .limit(1)
    )
    row = await _read(backbone, query)
    return None if row is None else str(row["account_id"])


async def reset_held(backbone: Backbone, account_id: str) -> Mapping[str, Any] | None:
    """The account's reset code (hash, expiry, failures), or None."""
    return await _read(backbone, select(password_resets).where(password_resets.c.account_id == account_id))


async def issue_reset(backbone: Backbone, account_id: str, row: Mapping[str, Any], message: Message) -> None:
    """Replace the account's reset code; the restricted message goes straight to the outbox."""
    await backbone.writer.submit(
        Changes(
            messages=[message],
            statements=[delete(password_resets).where(password_resets.c.account_id == account_id)],
            inserts=[Insert(password_resets, dict(row))],
        )
    )


async def count_failure(backbone: Backbone, account_id: str, failures: int) -> None:
    """Record a wrong code; at :data:`MAX_FAILURES` the code is void."""
    r = password_resets
    where = r.c.account_id == account_id
    statement = (
        delete(r).where(where) if failures >= MAX_FAILURES else r.update().where(where).values(failures=failures)
    )
    await backbone.writer.submit(Changes(statements=[statement]))


async def store_password(backbone: Backbone, account_id: str, values: Mapping[str, Any], event: EventPayload) -> None:
    """The account's new ``values`` (its hash; a revocation) and ``event``; any reset code is spent."""
    current = await account_version(backbone, account_id)
    await append_to_account(
        backbone,
        account_id,
        current,
        event,
        [
            accounts.update().where(accounts.c.account_id == account_id).values(**values),
            delete(password_resets).where(password_resets.c.account_id == account_id),
        ],
    )


async def _read(backbone: Backbone, query: Any) -> Mapping[str, Any] | None:
    row = await sync_reading(backbone.engine, lambda c: c.execute(query).mappings().first())
    return dict(row) if row is not None else None
