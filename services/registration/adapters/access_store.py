"""The SQL of account access: finding accounts, their disabling and revocations, the revocations in force."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, func, select

from shared.events import CATALOG
from shared.events.payloads.base import EventPayload
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, sync_reading

from ..service.ports import AccountRecords
from .tables import accounts

SOURCE = "/kepuri/registration"


async def account_of(backbone: Backbone, account_id: str) -> Mapping[str, Any] | None:
    """The account's role, unit and whether it is disabled, or None."""
    query = select(accounts.c.role, accounts.c.unit_id, accounts.c.disabled).where(accounts.c.account_id == account_id)
    row = await sync_reading(backbone.engine, lambda c: c.execute(query).mappings().first())
    return dict(row) if row is not None else None


async def account_by_login(backbone: Backbone, login: str) -> Mapping[str, Any] | None:
    """The whole account row of ``login`` (its password hash included), or None."""
    query = select(accounts).where(accounts.c.login == login)
    row = await sync_reading(backbone.engine, lambda c: c.execute(query).mappings().first())
    return dict(row) if row is not None else None


async def account_id_of(backbone: Backbone, login: str) -> str | None:
    query = select(accounts.c.account_id).where(accounts.c.login == login)
    found = await sync_reading(backbone.engine, lambda c: c.execute(query).scalar())
    return None if found is None else str(found)


async def revoke(backbone: Backbone, account_id: str, not_before: float) -> None:
    """Refuse the account's tokens issued before ``not_before`` (seconds since the epoch)."""
    statement = accounts.update().where(accounts.c.account_id == account_id).values(tokens_not_before=not_before)
    await backbone.writer.submit(Changes(statements=[statement]))


async def account_version(backbone: Backbone, account_id: str) -> int:
    """The version of the account's last event (0: none)."""
    events = backbone.tables.events
    query = select(func.coalesce(func.max(events.c.version), 0)).where(events.c.aggregate_id == account_id)

    def version(connection: Connection) -> int:
        return int(connection.execute(query).scalar() or 0)

    return await sync_reading(backbone.engine, version)


async def set_disabled(
    backbone: Backbone, account_id: str, expected: int, event: EventPayload, values: Mapping[str, Any]
) -> None:
    """The account's ``event`` at ``expected + 1`` and its row's new ``values``, in one transaction."""
    statement = accounts.update().where(accounts.c.account_id == account_id).values(**values)
    await append_to_account(backbone, account_id, expected, event, [statement])


async def append_to_account(
    backbone: Backbone, account_id: str, expected: int, event: EventPayload, statements: Sequence[Executable]
) -> None:
    """The account's ``event`` at ``expected + 1`` with ``statements``, in one transaction."""
    envelope = CATALOG.envelope(
        event, subject=account_id, sequence=expected + 1, source=SOURCE, correlationid=correlation_id.get()
    )
    await backbone.writer.submit(
        Changes(appends=[AggregateAppend(account_id, expected, [envelope])], statements=list(statements))
    )


async def revoked_since(backbone: Backbone, oldest: float) -> Sequence[Any]:
    """(account id, not before) of every revocation after ``oldest``."""
    query = select(accounts.c.account_id, accounts.c.tokens_not_before).where(accounts.c.tokens_not_before > oldest)
    return await sync_reading(backbone.engine, lambda c: c.execute(query).all())


class SqlAccountRecords(AccountRecords):
    """:class:`AccountRecords` over the accounts table; a new hash goes through the group-commit writer."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def find(self, login: str) -> Mapping[str, Any] | None:
        return await account_by_login(self._backbone, login)

    async def replace_hash(self, account_id: str, old_hash: str, new_hash: str) -> None:
        a = accounts
        statement = (
            a.update().where(a.c.account_id == account_id, a.c.password_hash == old_hash).values(password_hash=new_hash)
        )
        await self._backbone.writer.submit(Changes(statements=[statement]))
