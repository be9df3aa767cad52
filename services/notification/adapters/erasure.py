"""Forgetting an erased person (``personal-data-erased``): what notification holds of them in clear goes.

Registration has already destroyed the person's key, so nothing sealed on the restricted topic opens
again (a replay skips them). Here, in the planner's transaction: their place in activities' worker
lists is deleted (no thank-you is reserved for them any more); their ledger rows keep kind, channel,
state, timestamps and the masked recipient, so delivery counts stay, but lose the phone (replaced by
``erased:<notification id>``) and the text (which named them); a message not yet sent is cancelled;
their opt-out goes, with the data it was about. Once that transaction has committed, the write-ahead
log of a SQLite database is folded into the file and truncated (:func:`forget_wal`): its page images
from before would hold the person until the process stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import messages, opt_outs, subject_phones, workers

ERASED_TEXT = "（已按个人信息删除请求清除）"
ERASED_ERROR = "个人信息已删除，未发送 (personal data erased; not sent)"


def forget(connection: Connection, key_ids: Sequence[str]) -> int:
    """Delete the clear data of the people with these keys; returns how many phones were forgotten."""
    if not key_ids:
        return 0
    phones = sorted(
        set(connection.scalars(select(subject_phones.c.phone).where(subject_phones.c.key_id.in_(list(key_ids)))))
    )
    if not phones:
        return 0
    m = messages
    now = datetime.now(UTC)
    connection.execute(delete(workers).where(workers.c.phone.in_(phones)))
    connection.execute(
        m.update()
        .where(m.c.recipient.in_(phones), m.c.state.in_(["queued", "sending"]))
        .values(state="failed", error=ERASED_ERROR, updated_at=now)
    )
    connection.execute(
        m.update()
        .where(m.c.recipient.in_(phones))
        .values(recipient=literal("erased:") + m.c.notification_id, text=ERASED_TEXT, subject=None, updated_at=now)
    )
    connection.execute(delete(opt_outs).where(opt_outs.c.recipient.in_(phones)))
    connection.execute(delete(subject_phones).where(subject_phones.c.phone.in_(phones)))
    return len(phones)


async def forget_wal(engine: AsyncEngine, attempts: int = 50) -> None:
    """On SQLite, fold the write-ahead log into the database file (which runs with ``secure_delete``)
    and truncate it, so the pages from before an erasure leave the disk. A reader or writer of the
    moment (the API, the dispatcher) can keep the checkpoint from finishing: it is tried again."""
    if engine.dialect.name != "sqlite":
        return
    for _ in range(attempts):
        async with engine.connect() as connection:
            busy, _log, _moved = (await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).one()
        if not busy:
            return
        await asyncio.sleep(0.02)
