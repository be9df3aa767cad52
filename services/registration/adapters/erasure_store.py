"""The SQL of an erasure: finding a person's clear data in registration's tables, and the deletions
and rewrites that remove it, with the audit row and the ``personal-data-erased`` event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import CATALOG
from shared.events.payloads.privacy import PersonalDataErased
from shared.observability.logging import correlation_id
from shared.store import AggregateAppend, Changes, Insert

from ..domain.activity import without_person
from ..domain.erasure import Erasure
from .activity_rows import DETAILS
from .activity_state import scrubbed
from .tables import accounts, activities, drafts, erasures, personal_keys, science_workers, unit_contacts

SOURCE = "/kepuri/registration"
ERASED_PASSWORD = "!erased"  # not an argon2 hash: no password verifies against it


@dataclass
class Found:
    key_ids: list[str]
    worker_rows: int
    activities: list[dict[str, Any]]
    drafts: list[dict[str, Any]]
    answers: list[tuple[str, str]]
    units: list[str]
    accounts: list[str]

    def __bool__(self) -> bool:
        return bool(
            self.key_ids
            or self.worker_rows
            or self.activities
            or self.drafts
            or self.answers
            or self.units
            or self.accounts
        )


async def forget_wal(engine: AsyncEngine) -> None:
    """On SQLite, fold the write-ahead log into the file and truncate it: old page images go too."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as connection:
            await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def recorded(erasure: Erasure, key_ids: list[str], digests: list[str], requested_by: str) -> Changes:
    """The audit row and the ``personal-data-erased`` event (an aggregate of its own, version 1)."""
    assert erasure.erasure_id is not None
    now = datetime.now(UTC)
    payload = PersonalDataErased(
        erasure_id=erasure.erasure_id,
        key_ids=key_ids,
        science_worker_entries=erasure.science_worker_entries,
        contact_entries=erasure.contact_entries,
        unit_contacts=erasure.unit_contacts,
        accounts_closed=erasure.accounts_closed,
        subject_digests=digests,
        requested_by=requested_by,
        erased_at=now,
    )
    envelope = CATALOG.envelope(
        payload, subject=erasure.erasure_id, sequence=1, source=SOURCE, correlationid=correlation_id.get()
    )
    row = {
        "erasure_id": erasure.erasure_id,
        "requested_by": requested_by,
        "science_worker_entries": erasure.science_worker_entries,
        "contact_entries": erasure.contact_entries,
        "keys_destroyed": erasure.keys_destroyed,
        "unit_contacts": erasure.unit_contacts,
        "accounts_closed": erasure.accounts_closed,
        "erased_at": now,
    }
    return Changes(appends=[AggregateAppend(erasure.erasure_id, 0, [envelope])], inserts=[Insert(erasures, row)])


def find(connection: Connection, phone: str, idempotency_keys: Table) -> Found:
    """Everything registration holds of the person in clear (the JSON columns are matched, then parsed)."""
    like = f"%{phone}%"
    key_ids = list(connection.scalars(select(personal_keys.c.key_id).where(personal_keys.c.phone == phone)))
    worker_query = select(science_workers.c.worker_id).where(science_workers.c.phone == phone)
    worker_rows = len(list(connection.scalars(worker_query)))
    found_activities = [
        dict(row)
        for row in connection.execute(
            select(activities.c.activity_id, activities.c.unit_id, activities.c.version, activities.c.data).where(
                activities.c.data.like(like)
            )
        ).mappings()
    ]
    found_drafts = [
        dict(row)
        for row in connection.execute(
            select(drafts.c.draft_id, drafts.c.unit_id, drafts.c.data).where(drafts.c.data.like(like))
        ).mappings()
    ]
    units = {row["unit_id"] for row in [*found_activities, *found_drafts]}
    # Stored Idempotency-Key answers that may show the person, scoped "POST <route> <caller>": a retried
    # registration's or draft's answer shows its organizer the lists in clear ("POST /activities <unit>"
    # before the one dependency), a staff account's or a unit's sign-up answer its login.
    i = idempotency_keys
    scoped = [i.c.scope.like("POST /api/v1/accounts %"), i.c.scope.like("POST /api/v1/units %")]
    if units:
        callers = list(connection.scalars(select(accounts.c.account_id).where(accounts.c.unit_id.in_(units))))
        scoped.append(i.c.scope.in_([f"POST /activities {unit}" for unit in units]))
        scoped.extend(i.c.scope.like(f"POST % {caller}") for caller in callers)
    rows = connection.execute(select(i.c.scope, i.c.key, i.c.body).where(or_(*scoped)))
    answers = [(scope, key) for scope, key, body in rows if phone.encode() in bytes(body)]
    units_named = list(
        connection.scalars(select(unit_contacts.c.unit_id).where(unit_contacts.c.contact_phone == phone))
    )
    logins = list(connection.scalars(select(accounts.c.account_id).where(accounts.c.login == phone)))
    return Found(key_ids, worker_rows, found_activities, found_drafts, answers, units_named, logins)


def scrubbing(found: Found, phone: str, idempotency_keys: Table) -> tuple[Changes, int, int]:
    """The deletions and rewrites of the person's clear data; how many worker and contact entries went."""
    changes = Changes()
    # The mapping first: a listing sealed with these keys and committing meanwhile either fails its
    # guard (and is sealed again with a fresh key) or, on PostgreSQL, makes this wait and is erased below.
    # Only the keys destroyed: a fresh key made after the destruction belongs to a new listing.
    changes.statements.append(
        delete(personal_keys).where(personal_keys.c.phone == phone, personal_keys.c.key_id.in_(found.key_ids))
    )
    changes.statements.append(delete(science_workers).where(science_workers.c.phone == phone))
    workers = contacts = 0
    for row in found.activities:
        details = DETAILS.validate_json(row["data"])
        kept = without_person(details, phone)
        workers += len(details.science_workers) - len(kept.science_workers)
        contacts += details.contact_phone == phone
        changes.statements.append(scrubbed(row["activity_id"], row["version"], kept))
    for row in found.drafts:
        changes.statements.append(
            drafts.update()
            .where(drafts.c.draft_id == row["draft_id"])
            .values(data=json.dumps(_draft_without(json.loads(row["data"]), phone), ensure_ascii=False))
        )
    for scope, key in found.answers:
        i = idempotency_keys
        changes.statements.append(delete(i).where(i.c.scope == scope, i.c.key == key))
    changes.statements.append(delete(unit_contacts).where(unit_contacts.c.contact_phone == phone))
    for account_id in found.accounts:  # closed already; the login (the phone) and password go
        changes.statements.append(
            accounts.update()
            .where(accounts.c.account_id == account_id)
            .values(login=erased_login(account_id), password_hash=ERASED_PASSWORD, disabled=True)
        )
    return changes, workers, contacts


def erased_login(account_id: str) -> str:
    """The login an erased account keeps: unique, not a phone, and no one can log in with it."""
    return f"erased:{account_id}"[:32]


def _draft_without(data: Any, phone: str) -> Any:
    """A draft's data with every entry naming the phone dropped, and a contact with it blanked."""
    if isinstance(data, list):
        return [
            _draft_without(item, phone) for item in data if not (isinstance(item, dict) and item.get("phone") == phone)
        ]
    if isinstance(data, dict):
        cleared = {k: _draft_without(v, phone) for k, v in data.items()}
        if cleared.get("contact_phone") == phone:
            cleared["contact_phone"] = cleared["contact_name"] = None
        return cleared
    return data
